import { html, type SafeHtml } from './html.js';
import type { OnboardingView } from './view.js';

/** Where the page's own files are, relative to the page (so a base path in front of the API works). */
export interface PageAssets {
  script: string;
  style: string;
}

// Only our own https links may become an href: escaping alone would let a `javascript:` URL through.
const safeHref = (url: string | null): string => (url && url.startsWith('https://') ? url : '');

const when = (iso: string | null): string => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '');

const CHECK_STATUS: Record<string, string> = { passed: 'Passed', failed: 'Failed', warning: 'Warning' };
const STEP_STATE: Record<string, string> = { done: 'Done', current: 'Now', failed: 'Stopped', upcoming: 'Next' };

/** The page's HTML head and header around `body` (main and footer); the error page shares it. */
export const pageFrame = (title: string, vendor: string, assets: PageAssets, body: SafeHtml): string =>
  html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<link rel="icon" href="data:,">
<title>${title}</title>
<link rel="stylesheet" href="${assets.style}">
<script src="${assets.script}" defer></script>
</head>
<body>
<header><p class="brand">${vendor}</p><h1>${title}</h1></header>
${body}
</body>
</html>
`.text;

const timeline = (v: OnboardingView) =>
  v.timeline.map(
    (s) =>
      html`<li class="step-${s.state}"${s.state === 'current' || s.state === 'failed' ? html` aria-current="step"` : ''}><span class="visually-hidden">${STEP_STATE[s.state]}: </span>${s.label}</li>`,
  );

const copyButton = (label: string, value: string) => html`<button type="button" class="copy" data-copy="${value}" aria-label="Copy ${label}" hidden>Copy</button>`;

const checks = (v: OnboardingView) =>
  (v.verification?.checks ?? []).map(
    (c) => html`<li class="check"><p><span class="badge badge-${c.status}">${CHECK_STATUS[c.status] ?? c.status}</span><strong>${c.label}</strong></p>
<p>${c.detail}</p>${c.remediation ? html`<p><strong>How to fix:</strong> ${c.remediation}</p>` : ''}${c.commands.map(
      (cmd) => html`<pre><code>${cmd}</code></pre>${copyButton('command', cmd)}`,
    )}</li>`,
  );

const outputs = (v: OnboardingView) =>
  v.outputs.map((o) => html`<div><dt>${o.label}</dt><dd><code>${o.value}</code>${copyButton(o.label, o.value)}</dd></div>`);

const launch = (v: OnboardingView) => {
  if (v.launch.mode === 'direct') {
    return html`<section aria-labelledby="launch-h"><h2 id="launch-h">How it is launched</h2><p>${v.vendor.name} creates the stack for you; there is nothing for you to launch. This page shows its progress.</p></section>`;
  }
  const iam = v.launch.capabilities.includes('CAPABILITY_IAM');
  return html`<section id="launch" aria-labelledby="launch-h"${v.launch.url ? '' : html` hidden`}><h2 id="launch-h">Launch the stack in your AWS account</h2>
<ol>
<li>Sign in to the AWS console with the account that should own the bucket.</li>
<li>Select <strong>Launch Stack</strong>: the console opens in a new tab with the template and its parameters filled in. Leave the parameters as they are.</li>
${iam ? html`<li>Tick <strong>I acknowledge that AWS CloudFormation might create IAM resources</strong> (CAPABILITY_IAM): the stack creates the access role described below.</li>` : ''}
<li>Select <strong>Create stack</strong>. Come back here to follow the progress.</li>
</ol>
<p>What the stack creates, and who gets which access, is described below.</p>
<p><a id="launch-link" class="button" href="${safeHref(v.launch.url)}" target="_blank" rel="noopener noreferrer">Launch Stack</a></p>
<p class="note">The link works until ${when(v.launch.expiresAt)}, for one AWS account; the stack is named ${v.launch.stackName}.</p>
</section>`;
};

const created = (v: OnboardingView) => html`<section aria-labelledby="what-h"><h2 id="what-h">What the stack creates in the account</h2>
<dl>
<div><dt>S3 bucket</dt><dd><code>${v.bucket.name}</code> in ${v.bucket.region}</dd></div>
<div><dt>Encryption</dt><dd>${v.bucket.encryption}</dd></div>
<div><dt>Settings</dt><dd>Versioning on, all public access blocked, HTTPS only, objects owned by the bucket owner.</dd></div>
<div><dt>CORS</dt><dd>${v.bucket.cors.length ? html`<ul>${v.bucket.cors.map((c) => html`<li>${c}</li>`)}</ul>` : 'No browser access (no CORS rules).'}</dd></div>
${v.bucket.tags.length ? html`<div><dt>Tags</dt><dd><ul>${v.bucket.tags.map((t) => html`<li><code>${t.key}</code> = <code>${t.value}</code></li>`)}</ul></dd></div>` : ''}
</dl>
<h3>Who gets access</h3>
<ul>${v.access.map(
  (a) =>
    html`<li>${a.summary}${a.actions.length ? html`<details><summary>Exact permissions</summary><ul>${a.actions.map((x) => html`<li><code>${x}</code></li>`)}</ul></details>` : ''}</li>`,
)}</ul>
<h3>If the stack is deleted</h3>
<p>${v.retention}</p>
</section>`;

/**
 * The onboarding page, complete without its script: status, timeline, the Launch Stack link, what will
 * be created, checks and outputs are all in the HTML. The script (PAGE_SCRIPT) only refreshes the parts
 * with an id from `statusUrl`. Every value from the record goes through `html`, so it is escaped.
 */
export const renderOnboardingPage = (v: OnboardingView, statusUrl: string, assets: PageAssets): string =>
  pageFrame(
    `Set up your S3 bucket for ${v.vendor.name}`,
    v.vendor.name,
    assets,
    html`<main id="onboarding" data-status-url="${statusUrl}" data-settled="${String(v.settled)}">
<section aria-labelledby="progress-h"><h2 id="progress-h">Progress</h2>
<p id="status" class="status" role="status">${v.statusText}</p>
<p id="failure" class="failure"${v.failure ? '' : html` hidden`}>${v.failure}</p>
<ol id="timeline" class="timeline">${timeline(v)}</ol>
</section>
${launch(v)}
<section id="results" aria-labelledby="outputs-h"${v.outputs.length ? '' : html` hidden`}><h2 id="outputs-h">Outputs</h2>
<dl id="outputs">${outputs(v)}</dl>
</section>
<section id="verification" aria-labelledby="checks-h"${v.verification ? '' : html` hidden`}><h2 id="checks-h">What was verified</h2>
<p id="checks-summary">${v.verification ? `Checked ${when(v.verification.checkedAt)}.` : ''}</p>
<ul id="checks" class="checks">${checks(v)}</ul>
</section>
${created(v)}
</main>
<footer><p class="note">Anyone holding this page's link can read it until the link expires; it never asks for AWS credentials.</p></footer>`,
  );
