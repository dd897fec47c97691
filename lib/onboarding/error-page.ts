import { html } from './html.js';
import { type PageAssets, pageFrame } from './page.js';

/** The page for a link that opens nothing (not valid, expired, withdrawn) or a failure: the problem's words, no data. */
export const renderErrorPage = (problem: { title: string; detail: string }, vendor: string, assets: PageAssets): string =>
  pageFrame(problem.title, vendor, assets, html`<main id="onboarding-error"><section aria-labelledby="error-h"><h2 id="error-h">What happened</h2><p>${problem.detail}</p></section></main>`);
