// Shared set-up for browser tests: Debian's Chromium driven by playwright-core,
// a phone-sized viewport, nothing but loopback reachable, and an axe-core check.
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:18380';
export const SHOTS = process.env.E2E_SCREENSHOTS ?? '/tmp/registry-e2e-screenshots';
mkdirSync(SHOTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
  });
}

/** A fresh phone-sized page; records console errors (a CSP violation is one). A
 *  4xx answer to a form Chromium also reports here: tests assert statuses themselves. */
export async function phonePage(browser) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  page.consoleErrors = [];
  page.on('console', (m) => {
    const status4xx = /^Failed to load resource: the server responded with a status of 4\d\d/;
    if (m.type() === 'error' && !status4xx.test(m.text())) page.consoleErrors.push(m.text());
  });
  await page.route('**/*', (r) => (new URL(r.request().url()).hostname === '127.0.0.1' ? r.continue() : r.abort()));
  return page;
}

/** axe-core's serious and critical violations on the current page. */
export async function seriousViolations(page) {
  // Evaluated through the debugging protocol, which the page's CSP does not govern.
  await page.evaluate(axeSource);
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.length} node(s))`);
}

export async function screenshot(page, name) {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
