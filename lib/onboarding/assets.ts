import { createHash } from 'node:crypto';
import { once } from '../wiring/once.js';
import type { PageAssets } from './page.js';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';

/** A file the API serves to the onboarding page. */
export interface Asset {
  /** The file name, carrying a hash of the content: a new version is a new name, so it can be cached for good. */
  name: string;
  contentType: string;
  body: string;
}

const hashed = (stem: string, extension: string, contentType: string, body: string): Asset => ({
  name: `${stem}-${createHash('sha256').update(body, 'utf8').digest('hex').slice(0, 12)}.${extension}`,
  contentType,
  body,
});

/** The page's script and stylesheet, named once per container. */
export const onboardingAssets = /* @__PURE__ */ once(() => ({
  script: hashed('onboarding', 'js', 'text/javascript; charset=utf-8', PAGE_SCRIPT),
  style: hashed('onboarding', 'css', 'text/css; charset=utf-8', PAGE_STYLE),
}));

/** The path of the asset routes, relative to the API's base. */
export const ASSETS_PATH = '/assets';

/** The asset called `name`, if it is one of the current ones (an old hash is gone, not served stale). */
export const assetNamed = (name: string): Asset | undefined => Object.values(onboardingAssets()).find((a) => a.name === name);

/** Links from a page under /onboarding/{id} to the assets, relative so that a base path in front of the API is kept. */
export const pageAssets = (): PageAssets => {
  const { script, style } = onboardingAssets();
  return { script: `..${ASSETS_PATH}/${script.name}`, style: `..${ASSETS_PATH}/${style.name}` };
};
