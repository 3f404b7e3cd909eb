// An account owner registers with the claim code their platform
// showed them, in each language, as a new user would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASE, desktopPage, launch, phonePage, seriousViolations, screenshot } from './browser.mjs';
import { messagesTo, waitForCode, waitForLink } from './mail.mjs';

const CODES = JSON.parse(process.env.E2E_CLAIM_CODES ?? '{}');
const OWNERS = {
  kk: { start: 'Кодпен тіркелу', submit: 'Жалғастыру', send: 'Растау және жіберу', errorPrefix: 'Қате:',
        ownerError: 'Аккаунт кімге тиесілі екенін таңдаңыз', iinError: 'Мұндай ЖСН жоқ: 12 цифрды тексеріңіз',
        receipt: 'Аккаунтыңыз тіркелді', iin: '900115353054', confirm: 'Растау', wrongCode: 'Код дұрыс емес.',
        my: 'Менің жазбам', signIn: 'Кіру', verified: 'Расталған', other: 'en', otherDetails: 'Your details' },
  ru: { start: 'Зарегистрироваться по коду', submit: 'Продолжить', send: 'Подтвердить и отправить', errorPrefix: 'Ошибка:',
        ownerError: 'Выберите, кому принадлежит аккаунт', iinError: 'Такого ИИН не существует: проверьте 12 цифр',
        receipt: 'Ваш аккаунт зарегистрирован', iin: '850612414080', confirm: 'Подтвердить', wrongCode: 'Код неверный.',
        my: 'Моя запись', signIn: 'Войти', verified: 'Подтверждён', other: 'kk', otherDetails: 'Сіздің деректеріңіз' },
  en: { start: 'Register with a claim code', submit: 'Continue', send: 'Confirm and send', errorPrefix: 'Error:',
        ownerError: 'Select who owns the account', iinError: 'Enter a real IIN: check the 12 digits',
        receipt: 'Your account is registered', iin: '991345530781', confirm: 'Confirm', wrongCode: 'This code is not right.',
        my: 'My record', signIn: 'Sign in', verified: 'Verified', other: 'ru', otherDetails: 'Ваши данные' },
};
const LANGUAGE_NAMES = { kk: 'Қазақша', ru: 'Русский', en: 'English' };

/** Waits for focus to land on the error summary (`autofocus`, applied once the page has loaded). */
async function summaryFocused(page) {
  await page.waitForFunction(() => document.activeElement?.className === 'error-summary', null, { timeout: 3000 });
}

/** Follows the error summary's link to `field` and returns the id of the element that has focus. */
async function focusFromSummary(page, anchor) {
  await page.click(`.error-summary a[href="#${anchor}"]`);
  return page.evaluate(() => document.activeElement?.id);
}

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function checked(page, name) {
  assert.deepEqual(await seriousViolations(page), [], `${name}: accessibility`);
  await screenshot(page, name);
}

for (const [lang, t] of Object.entries(OWNERS)) {
  test(`an owner registers their account in ${lang}`, async () => {
    assert.ok(CODES[lang], `a claim code for ${lang}`);
    // Kazakh and Russian on a phone, English on a desktop: both layouts walk the whole journey.
    const page = await (lang === 'en' ? desktopPage : phonePage)(browser);
    await page.goto(`${BASE}/?lang=${lang}`);
    await page.getByRole('link', { name: t.start }).click();
    await page.waitForURL(`${BASE}/claim`);

    await page.click('#claim-where summary');
    assert.ok((await page.textContent('#claim-where')).includes('Settings → Account → Registry code'), 'where the platform shows the code');
    await page.selectOption('#platform', 'demo');
    await page.fill('#account', `@e2e_${lang}`);
    await page.fill('#claim_code', CODES[lang].toLowerCase().replaceAll('-', ' '));
    await checked(page, `claim-${lang}`);
    await page.getByRole('button', { name: t.submit }).click();
    await page.waitForURL(`${BASE}/claim/identify`);

    // Who owns the account: a question that must be answered.
    await checked(page, `identify-owner-${lang}`);
    await page.getByRole('button', { name: t.submit }).click();
    assert.ok((await page.title()).startsWith(t.errorPrefix), 'the title says there is an error');
    await summaryFocused(page);
    assert.equal((await page.textContent('.error-summary a')).trim(), t.ownerError);
    assert.equal(await focusFromSummary(page, 'owner_type-resident'), 'owner_type-resident');
    await checked(page, `identify-owner-error-${lang}`);
    await page.check('#owner_type-resident');
    await page.getByRole('button', { name: t.submit }).click();

    await page.fill('#iin', '123456789012');
    await page.fill('#surname', 'Сейтқали');
    await page.fill('#given_name', 'Айгүл');
    await page.fill('#email', `owner.${lang}@example.kz`);
    await page.getByRole('button', { name: t.submit }).click();
    await summaryFocused(page);
    assert.equal(await page.locator('.error-summary li').count(), 2, 'the IIN and the consent, at once');
    assert.ok((await page.textContent('#iin-error')).includes(t.iinError));
    assert.equal(await page.getAttribute('#iin', 'aria-describedby'), 'iin-hint iin-error', 'the hint stays');
    assert.equal(await page.inputValue('#surname'), 'Сейтқали', 'valid input is kept');
    assert.equal(await focusFromSummary(page, 'iin'), 'iin', 'the summary link moves focus to the field');
    await checked(page, `identify-errors-${lang}`);

    // A language switch keeps what was typed, but never the identifier.
    await page.fill('#iin', t.iin);
    await page.check('#consent');
    await page.getByRole('button', { name: LANGUAGE_NAMES[t.other] }).click();
    assert.equal((await page.textContent('h1')).trim(), t.otherDetails);
    assert.equal(await page.inputValue('#surname'), 'Сейтқали', 'typed answers survive the switch');
    assert.ok(await page.isChecked('#consent'));
    assert.equal(await page.inputValue('#iin'), '', 'the identifier is not carried over');
    await page.getByRole('button', { name: LANGUAGE_NAMES[lang] }).click();
    await page.fill('#iin', t.iin);
    await checked(page, `identify-${lang}`);
    // Enter in a field continues, as the button does (not a language switch from the header).
    await page.press('#surname', 'Enter');
    assert.equal(await page.getAttribute('html', 'lang'), lang);

    // Check your answers, then send.
    assert.equal((await page.textContent('#answer-iin')).trim(), t.iin);
    await checked(page, `identify-check-${lang}`);
    await page.getByRole('button', { name: t.send }).click();

    // The code comes by e-mail; a mistyped one first.
    await page.waitForURL(`${BASE}/claim/confirm`);
    await checked(page, `confirm-${lang}`);
    const code = await waitForCode(`owner.${lang}@example.kz`);
    await page.fill('#code', '0000 0000');
    await page.getByRole('button', { name: t.confirm }).click();
    assert.ok((await page.textContent('#code-problem')).includes(t.wrongCode));
    assert.equal(await page.getAttribute('#code', 'aria-invalid'), 'true');
    await checked(page, `confirm-wrong-${lang}`);
    // The code page opened afresh (a 422 answer to a POST is not a page Back can return to).
    await page.goto(`${BASE}/claim/confirm`);
    await page.fill('#code', code);
    await page.getByRole('button', { name: t.confirm }).click();
    await page.waitForURL(`${BASE}/claim/done`);
    assert.equal((await page.textContent('h1')).trim(), t.receipt);
    const reference = (await page.textContent('#reference')).trim();
    const key = (await page.textContent('#management-key')).trim();
    assert.match(reference, /^R-[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    assert.match(key, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){5}$/);
    await checked(page, `receipt-${lang}`);
    // Refresh and Back show the confirmation again, not an error.
    await page.reload();
    assert.equal((await page.textContent('#reference')).trim(), reference);
    await page.goBack();
    await page.waitForURL(`${BASE}/claim/done`);
    assert.equal((await page.textContent('#panel-reference')).trim(), reference);
    const receiptFile = await page.context().request.get(`${BASE}/claim/done/receipt.txt?lang=${lang}`);
    assert.ok((await receiptFile.text()).includes(key), 'the receipt to download holds the key');

    // Later, the owner looks at their record.
    await page.getByRole('link', { name: t.my, exact: true }).click();
    await page.fill('#reference', reference);
    await page.fill('#management_key', key);
    await checked(page, `my-sign-in-${lang}`);
    await page.getByRole('button', { name: t.signIn }).click();
    await page.waitForURL(`${BASE}/my`);
    assert.ok((await page.textContent('tbody')).includes(`@e2e_${lang}`));
    assert.ok((await page.textContent('tbody')).includes(t.verified));
    await checked(page, `my-${lang}`);

    // Another account of theirs, added from the record with its claim code.
    await page.click('a[href="/my/add"]');
    await page.waitForURL(`${BASE}/my/add`);
    await page.selectOption('#platform', 'demo');
    await page.fill('#account', `@e2e_${lang}_2`);
    await page.fill('#claim_code', CODES[`${lang}-2`]);
    await checked(page, `my-add-${lang}`);
    const mailedBefore = messagesTo(`owner.${lang}@example.kz`).length;
    await page.click('form[action^="/my/add"] button[type=submit]');
    await page.waitForURL(`${BASE}/my?done=added`);
    assert.ok((await page.textContent('tbody')).includes(`@e2e_${lang}_2`));

    // The record's address is told of the new link, with a way to say it was not them.
    const report = await phonePage(browser);
    await report.goto(await waitForLink(`owner.${lang}@example.kz`, '/my/report', mailedBefore, `@e2e_${lang}_2`));
    assert.ok((await report.textContent('main')).includes(`@e2e_${lang}_2`));
    await checked(report, `report-${lang}`);
    await report.context().close();

    // A new contact address, confirmed with the code sent to it.
    const newAddress = `new.${lang}@example.kz`;
    await page.fill('#email', newAddress);
    await page.fill('#email_management_key', key);
    await page.click('form[action^="/my/email?"] button[type=submit]');
    await page.waitForURL(`${BASE}/my?done=email-code`);
    await checked(page, `my-email-code-${lang}`);
    await page.fill('#code', await waitForCode(newAddress));
    await page.click('form[action^="/my/email/confirm"] button[type=submit]');
    await page.waitForURL(`${BASE}/my?done=email`);
    assert.ok(await page.isVisible('#email-confirmed'));

    // The key is lost: a link to the confirmed address sets a new one.
    await page.click('form[action="/my/sign-out"] button[type=submit]');
    await page.goto(`${BASE}/my/lost-key`);
    await checked(page, `lost-key-${lang}`);
    const seen = messagesTo(newAddress).length;
    await page.fill('#reference', reference);
    await page.click('form[action^="/my/lost-key"] button[type=submit]');
    assert.ok(await page.isVisible('#lost-key-sent'));
    await checked(page, `lost-key-sent-${lang}`);
    await page.goto(await waitForLink(newAddress, '/my/recover', seen));
    await checked(page, `recover-${lang}`);
    await page.click('form[action^="/my/recover"] button[type=submit]');
    const newKey = (await page.textContent('#management-key')).trim();
    assert.notEqual(newKey, key);
    // regulator.test.mjs signs in as this owner once their data was disclosed.
    writeFileSync(join(process.env.E2E_STATE_DIR, `owner-${lang}.json`), JSON.stringify({ reference, key: newKey }));
    await checked(page, `recover-done-${lang}`);
    assert.deepEqual(page.consoleErrors, [], 'no console errors, CSP violations included');
    await page.context().close();
  });
}
