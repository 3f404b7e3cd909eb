// An account owner on a phone registers with the claim code their platform
// showed them, in each language, as a new user would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, phonePage, seriousViolations, screenshot } from './browser.mjs';
import { messagesTo, waitForCode, waitForLink } from './mail.mjs';

const CODES = JSON.parse(process.env.E2E_CLAIM_CODES ?? '{}');
const OWNERS = {
  kk: { start: 'Кодпен тіркелу', submit: 'Жалғастыру', resident: 'Қазақстан резидентіне', send: 'Жіберу',
        iinError: 'Бұл жарамды ЖСН емес: 12 санды тексеріңіз.', receipt: 'Аккаунтыңыз тіркелді', iin: '900115353054',
        confirm: 'Растау', wrongCode: 'Код дұрыс емес.',
        my: 'Менің жазбам', signIn: 'Кіру', verified: 'Расталған' },
  ru: { start: 'Зарегистрироваться по коду', submit: 'Продолжить', resident: 'Резиденту Казахстана', send: 'Отправить',
        iinError: 'Это не действительный ИИН: проверьте 12 цифр.', receipt: 'Ваш аккаунт зарегистрирован', iin: '850612414080',
        confirm: 'Подтвердить', wrongCode: 'Код неверный.',
        my: 'Моя запись', signIn: 'Войти', verified: 'Подтверждён' },
  en: { start: 'Register with a claim code', submit: 'Continue', resident: 'A resident of Kazakhstan', send: 'Submit',
        iinError: 'This is not a valid IIN: check the 12 digits.', receipt: 'Your account is registered', iin: '991345530781',
        confirm: 'Confirm', wrongCode: 'This code is not right.',
        my: 'My record', signIn: 'Sign in', verified: 'Verified' },
};

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
    const page = await phonePage(browser);
    await page.goto(`${BASE}/?lang=${lang}`);
    await page.getByRole('link', { name: t.start }).click();
    await page.waitForURL(`${BASE}/claim`);

    await page.selectOption('#platform', 'demo');
    await page.fill('#account', `@e2e_${lang}`);
    await page.fill('#claim_code', CODES[lang].toLowerCase().replaceAll('-', ' '));
    await checked(page, `claim-${lang}`);
    await page.getByRole('button', { name: t.submit }).click();
    await page.waitForURL(`${BASE}/claim/identify`);

    await page.getByRole('link', { name: t.resident }).click();
    await page.fill('#iin', '123456789012');
    await page.fill('#surname', 'Сейтқали');
    await page.fill('#given_name', 'Айгүл');
    await page.fill('#email', `owner.${lang}@example.kz`);
    await page.check('#consent');
    await page.getByRole('button', { name: t.send }).click();
    assert.equal((await page.textContent('#iin-error')).trim(), t.iinError);
    assert.equal(await page.inputValue('#surname'), 'Сейтқали', 'valid input is kept');
    assert.equal(await page.inputValue('#iin'), '', 'the identifier is not echoed');
    await checked(page, `identify-errors-${lang}`);

    await page.fill('#iin', t.iin);
    await page.check('#consent');
    await checked(page, `identify-${lang}`);
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
    await page.fill('#code', code);
    await page.getByRole('button', { name: t.confirm }).click();
    assert.equal((await page.textContent('h1')).trim(), t.receipt);
    const reference = (await page.textContent('#reference')).trim();
    const key = (await page.textContent('#management-key')).trim();
    assert.match(reference, /^R-[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    assert.match(key, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){5}$/);
    await checked(page, `receipt-${lang}`);

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
    await checked(page, `recover-done-${lang}`);
    assert.deepEqual(page.consoleErrors, [], 'no console errors, CSP violations included');
    await page.context().close();
  });
}
