/**
 * The onboarding page's stylesheet, served as a file (GET /assets/…, long-cached under its hash): the
 * page's CSP allows styles from its own origin only, never inline. Colours keep WCAG AA contrast on
 * white (4.5:1 for text); state is never shown by colour alone.
 */
export const PAGE_STYLE = `
*,*::before,*::after{box-sizing:border-box}
html{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f5f6f8}
body{margin:0}
header,main,footer{max-width:46rem;margin:0 auto;padding:0 1rem}
header{padding-top:1.5rem}
.brand{margin:0;color:#4a5361;font-weight:600}
h1{font-size:1.6rem;line-height:1.25;margin:.25rem 0 1rem}
h2{font-size:1.2rem;margin:0 0 .75rem}
h3{font-size:1rem;margin:1rem 0 .5rem}
section{background:#fff;border:1px solid #d5d9df;border-radius:8px;padding:1rem;margin:0 0 1rem}
p{margin:.5rem 0}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.875rem;overflow-wrap:anywhere;word-break:break-word}
pre{white-space:pre-wrap;background:#f0f2f5;border-radius:4px;padding:.5rem;margin:.5rem 0}
dl{margin:0}
dl>div{padding:.5rem 0;border-top:1px solid #e6e8eb}
dl>div:first-child{border-top:0}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
ul,ol{padding-left:1.25rem}
li{margin:.25rem 0}
details{margin:.25rem 0}
summary{cursor:pointer;color:#0a4fb8}
summary:focus-visible{outline:3px solid #0a4fb8;outline-offset:2px}
a{color:#0a4fb8}
a:focus-visible,button:focus-visible{outline:3px solid #0a4fb8;outline-offset:2px}
.button{display:inline-block;background:#0a4fb8;color:#fff;font-weight:600;text-decoration:none;padding:.6rem 1.1rem;border-radius:6px}
.button:hover{background:#083f93}
button.copy{font:inherit;font-size:.875rem;margin-left:.5rem;padding:.15rem .6rem;border:1px solid #0a4fb8;border-radius:4px;background:#fff;color:#0a4fb8;cursor:pointer}
.note{color:#4a5361;font-size:.9rem}
.status{font-size:1.05rem}
.timeline{list-style:none;padding:0;margin:1rem 0 0}
.timeline li{position:relative;padding:0 0 .75rem 1.75rem}
.timeline li::before{content:"";position:absolute;left:.25rem;top:.35rem;width:.75rem;height:.75rem;border-radius:50%;border:2px solid #6b7480;background:#fff}
.timeline .step-done::before{background:#146c2e;border-color:#146c2e}
.timeline .step-current::before{background:#0a4fb8;border-color:#0a4fb8}
.timeline .step-failed::before{background:#b3261e;border-color:#b3261e}
.timeline .step-current{font-weight:600}
.timeline .step-upcoming{color:#4a5361}
.checks{list-style:none;padding:0}
.check{border-top:1px solid #e6e8eb;padding:.5rem 0}
.check:first-child{border-top:0}
.badge{display:inline-block;min-width:4.5rem;text-align:center;font-size:.8rem;font-weight:700;border-radius:999px;padding:.05rem .5rem;margin-right:.5rem;border:1px solid currentColor}
.badge-passed{color:#146c2e}
.badge-failed{color:#b3261e}
.badge-warning{color:#7a4d00}
.failure{border-left:4px solid #b3261e;padding-left:.75rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
[hidden]{display:none!important}
@media (max-width:30rem){h1{font-size:1.35rem}section{padding:.75rem}}
`;
