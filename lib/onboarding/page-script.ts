/**
 * The onboarding page's script, served as a file (GET /assets/…, long-cached under its hash): the CSP
 * allows scripts from the page's own origin only and requires Trusted Types, so it builds DOM nodes and
 * sets text, never markup. The page is complete without it; it only refreshes the parts with an id
 * from the status endpoint (same token) until the request settles, and makes the copy buttons work.
 * Plain ES2020 in a string: it runs in the browser, not in Node, and needs no build step.
 */
export const PAGE_SCRIPT = String.raw`(() => {
  'use strict';
  const byId = (id) => document.getElementById(id);
  const el = (tag, attrs, children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of [].concat(children === undefined ? [] : children)) if (child !== null && child !== '') node.append(child);
    return node;
  };
  const when = (iso) => (iso ? iso.slice(0, 16).replace('T', ' ') + ' UTC' : '');
  const CHECK_STATUS = { passed: 'Passed', failed: 'Failed', warning: 'Warning' };
  const STEP_STATE = { done: 'Done', current: 'Now', failed: 'Stopped', upcoming: 'Next' };
  const canCopy = Boolean(window.isSecureContext && navigator.clipboard);
  const announcer = el('p', { class: 'visually-hidden', role: 'status' });
  document.body.append(announcer);

  const copyButton = (label, value) => el('button', { type: 'button', class: 'copy', 'data-copy': value, 'aria-label': 'Copy ' + label, hidden: !canCopy }, 'Copy');
  if (canCopy) for (const button of document.querySelectorAll('button[data-copy]')) button.hidden = false;
  document.addEventListener('click', async (event) => {
    const button = event.target instanceof Element ? event.target.closest('button[data-copy]') : null;
    if (!button) return;
    try {
      await navigator.clipboard.writeText(button.getAttribute('data-copy') || '');
      announcer.textContent = 'Copied to the clipboard.';
    } catch {
      announcer.textContent = 'Copying failed: select the text and copy it yourself.';
    }
  });

  const main = byId('onboarding');
  const statusUrl = main && main.getAttribute('data-status-url');
  if (!statusUrl || main.getAttribute('data-settled') === 'true') return;

  const checkItem = (c) =>
    el('li', { class: 'check' }, [
      el('p', null, [el('span', { class: 'badge badge-' + c.status }, CHECK_STATUS[c.status] || c.status), el('strong', null, c.label)]),
      el('p', null, c.detail),
      c.remediation ? el('p', null, [el('strong', null, 'How to fix:'), ' ' + c.remediation]) : null,
      ...c.commands.flatMap((cmd) => [el('pre', null, el('code', null, cmd)), copyButton('command', cmd)]),
    ]);

  const render = (v) => {
    if (byId('status').textContent !== v.statusText) byId('status').textContent = v.statusText;
    const failure = byId('failure');
    failure.textContent = v.failure || '';
    failure.hidden = !v.failure;
    byId('timeline').replaceChildren(
      ...v.timeline.map((s) =>
        el('li', { class: 'step-' + s.state, 'aria-current': s.state === 'current' || s.state === 'failed' ? 'step' : null }, [
          el('span', { class: 'visually-hidden' }, (STEP_STATE[s.state] || s.state) + ': '),
          s.label,
        ]),
      ),
    );
    const launch = byId('launch');
    const link = byId('launch-link');
    if (launch) launch.hidden = !v.launch.url;
    if (link && v.launch.url && v.launch.url.startsWith('https://')) link.setAttribute('href', v.launch.url);
    byId('verification').hidden = !v.verification;
    byId('checks-summary').textContent = v.verification ? 'Checked ' + when(v.verification.checkedAt) + '.' : '';
    byId('checks').replaceChildren(...(v.verification ? v.verification.checks : []).map(checkItem));
    byId('results').hidden = v.outputs.length === 0;
    byId('outputs').replaceChildren(
      ...v.outputs.map((o) => el('div', null, [el('dt', null, o.label), el('dd', null, [el('code', null, o.value), copyButton(o.label, o.value)])])),
    );
  };

  let last = '';
  let delay = 3000;
  const poll = async () => {
    if (document.hidden) {
      document.addEventListener('visibilitychange', poll, { once: true });
      return;
    }
    try {
      const res = await fetch(statusUrl, { headers: { accept: 'application/json' }, cache: 'no-store', credentials: 'omit' });
      if (res.status === 404 || res.status === 410) {
        const problem = await res.json().catch(() => null);
        byId('status').textContent = (problem && problem.detail) || 'This link no longer opens this page.';
        return;
      }
      if (!res.ok) throw new Error('status ' + res.status);
      const view = await res.json();
      const text = JSON.stringify(view);
      if (text !== last) {
        last = text;
        render(view);
      }
      delay = 3000;
      if (view.settled) return;
    } catch {
      delay = Math.min(delay * 2, 30000);
    }
    setTimeout(poll, delay);
  };
  setTimeout(poll, delay);
})();
`;
