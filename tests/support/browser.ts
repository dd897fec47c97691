import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's chromium (.ci/run installs it when missing); CHROMIUM_PATH names another. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where browser tests leave their screenshots (git-ignored with .local/). */
export const SCREENSHOTS = join(import.meta.dirname, '..', '..', '.local', 'screenshots');

/** A headless chromium driven by playwright-core. */
export const launchBrowser = async (): Promise<Browser> => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM });
};

/** Writes the page's screenshot as a test artifact; returns its path. */
export const screenshot = async (page: Page, name: string, fullPage = true): Promise<string> => {
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
};

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One accessibility rule broken on the page. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * axe-core's violations on the page, run as the browser renders it. axe is injected as a script, so
 * the page must have been opened in a context with `bypassCSP: true`: its own CSP rightly refuses it.
 */
export const axeViolations = async (page: Page): Promise<AxeViolation[]> => {
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    const result = await (globalThis as unknown as { axe: { run: () => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }> }> } }).axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
};
