// The public pages as a new visitor on a phone sees them, in each language.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, desktopPage, focusContrast, launch, phonePage, seriousViolations, screenshot, smallTargets } from './browser.mjs';

const LANGS = {
  kk: { title: 'Жазылушылары көп анонимді аккаунттарды сәйкестендіру', transparency: 'Ашықтық', report: 'Ашықтық есебі' },
  ru: { title: 'Идентификация анонимных аккаунтов с большим числом подписчиков', transparency: 'Прозрачность', report: 'Отчёт о прозрачности' },
  en: { title: 'Identification of anonymous accounts with many followers', transparency: 'Transparency', report: 'Transparency report' },
};

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

for (const [lang, text] of Object.entries(LANGS)) {
  test(`a visitor reads the explanation and the transparency report in ${lang}`, async () => {
    const page = await phonePage(browser);
    await page.goto(`${BASE}/?lang=${lang}`);
    assert.equal(await page.getAttribute('html', 'lang'), lang);
    assert.equal((await page.textContent('h1')).trim(), text.title);
    assert.ok(await page.isVisible('#home-authority') && await page.isVisible('#home-deadline'));
    assert.ok((await page.textContent('#help')).includes('1414'), 'the help contact the operator set');
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, `home-${lang}`);

    await page.getByRole('link', { name: text.transparency, exact: true }).click();
    await page.waitForURL(`${BASE}/transparency`);
    assert.equal((await page.textContent('h1')).trim(), text.report, 'the language was remembered');
    assert.equal(await page.locator('tbody tr').count(), 4, 'one row per status');
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, `transparency-${lang}`);
    assert.deepEqual(page.consoleErrors, [], 'no console errors, CSP violations included');
    await page.context().close();
  });
}

test('the language switcher changes the language of the page', async () => {
  const page = await phonePage(browser);
  await page.goto(`${BASE}/?lang=kk`);
  await page.getByRole('link', { name: 'English' }).click();
  await page.waitForURL(/lang=en/);
  assert.equal((await page.textContent('h1')).trim(), LANGS.en.title);
  assert.equal(await page.getAttribute('a[hreflang="en"]', 'aria-current'), 'true');
  await page.context().close();
});

for (const [size, open] of [['phone', phonePage], ['desktop', desktopPage]]) {
  test(`controls are at least 44 px and their focus shows at 3:1 or more on a ${size}`, async () => {
    const page = await open(browser);
    for (const [path, name] of [['/claim?lang=kk', 'claim'], ['/my?lang=ru', 'my-sign-in'], ['/my/lost-key?lang=en', 'lost-key'], ['/regulator?lang=en', 'regulator-login']]) {
      await page.goto(`${BASE}${path}`);
      assert.deepEqual(await smallTargets(page), [], `${path}: target sizes`);
      assert.deepEqual(await seriousViolations(page), [], `${path}: accessibility`);
      await screenshot(page, `${name}-${size}`);
    }
    await page.goto(`${BASE}/claim?lang=en`);
    for (const selector of ['#account', '#platform', 'main button[type=submit]', '.site-name']) {
      const ratio = await focusContrast(page, selector);
      assert.ok(ratio >= 3, `${selector}: focus contrast ${ratio.toFixed(2)}:1`);
    }
    await page.goto(`${BASE}/?lang=en`);
    await screenshot(page, `home-${size}`);
    await page.context().close();
  });
}
