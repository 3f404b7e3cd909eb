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
  return newPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
}

/** A fresh desktop-sized page, recording console errors like `phonePage`. */
export async function desktopPage(browser) {
  return newPage(browser, { viewport: { width: 1280, height: 900 } });
}

async function newPage(browser, options) {
  const context = await browser.newContext(options);
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

/** Form controls smaller than the 44 px target (WCAG 2.2 AA asks 24; GOV.UK 44), as "selector: h" lines. */
export async function smallTargets(page) {
  return page.evaluate(() => [...document.querySelectorAll('main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main select, main textarea, main button')]
    .map((el) => [el, el.getBoundingClientRect()])
    .filter(([, box]) => box.height > 0 && box.height < 44)
    .map(([el, box]) => `${el.tagName.toLowerCase()}#${el.id || el.name}: ${Math.round(box.height)}px`));
}

/** The best contrast against white of the colours that draw `selector`'s focus indicator, from its rendered styles. */
export async function focusContrast(page, selector) {
  await page.focus(selector);
  const colours = await page.evaluate((sel) => {
    const style = getComputedStyle(document.querySelector(sel));
    const parts = [style.boxShadow, style.outlineStyle !== 'none' ? style.outlineColor : '', style.backgroundColor];
    return parts.join(' ').match(/rgba?\([^)]*\)/g) ?? [];
  }, selector);
  const luminance = (rgb) => {
    const [r, g, b] = rgb.match(/[\d.]+/g).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  return Math.max(0, ...colours.filter((c) => !/, 0\)$/.test(c)).map((c) => 1.05 / (luminance(c) + 0.05)));
}
