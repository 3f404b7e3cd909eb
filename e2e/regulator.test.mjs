// Two officials in separate browser sessions take a request from filing to
// disclosure: the requester files it, the approver approves it, the
// requester opens only the approved data. Runs after claim.test.mjs, whose
// Russian-language owner (account e2e-ru) is the person asked about.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE, desktopPage, launch, seriousViolations, screenshot } from './browser.mjs';

const OFFICIALS = JSON.parse(process.env.E2E_OFFICIALS ?? '{}');

/** RFC 6238 (SHA-1, 6 digits, 30 s), as an authenticator app computes it. */
function totp(base32Secret) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32Secret.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, '0');
}

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function checked(page, name) {
  assert.deepEqual(await seriousViolations(page), [], `${name}: accessibility`);
  await screenshot(page, name);
}

async function signIn(username, landing = '/regulator/requests') {
  const official = OFFICIALS[username];
  assert.ok(official, `demo credentials for ${username}`);
  // Officials work at desks; the owner pages are walked on phones too.
  const page = await desktopPage(browser);
  await page.goto(`${BASE}/regulator?lang=en`);
  await page.fill('#username', username);
  await page.fill('#password', official.password);
  await page.fill('#totp', totp(official.totp_secret));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${BASE}${landing}`);
  return page;
}

test('a requester and an approver take a request to a disclosure of only the approved data', async () => {
  const requester = await signIn('demo-requester');
  // Officials read their pages in Kazakh and Russian as well.
  for (const lang of ['kk', 'ru']) {
    for (const [path, name] of [['/regulator/requests', 'regulator-requests'], ['/regulator/requests/new', 'regulator-new-request']]) {
      await requester.goto(`${BASE}${path}?lang=${lang}`);
      assert.equal(await requester.getAttribute('html', 'lang'), lang);
      await checked(requester, `${name}-${lang}`);
    }
  }
  await requester.goto(`${BASE}/regulator/requests?lang=en`);
  await checked(requester, 'regulator-requests');
  await requester.getByRole('link', { name: 'New request' }).click();
  await requester.waitForURL(`${BASE}/regulator/requests/new`);
  assert.ok(!(await requester.isVisible('#identifier')), 'only the chosen target branch shows');
  await requester.check('#target_identifier');
  assert.ok(await requester.isVisible('#identifier') && !(await requester.isVisible('#account_ref')));
  await requester.check('#target_account');
  await requester.selectOption('#platform', 'demo');
  await requester.fill('#account_ref', 'e2e-ru');
  await requester.selectOption('#legal_basis', 'court_decision');
  await requester.selectOption('#authority', 'court');
  await requester.fill('#basis_number', '2-1234/2026');
  await requester.fill('#basis_date', '2026-11-20');
  await requester.fill('#basis_issuer', 'Almaty District Court');
  await requester.fill('#justification', 'Too short.');
  await requester.check('#field-surname');
  await requester.getByRole('button', { name: 'File the request' }).click();
  assert.equal((await requester.textContent('#justification-error')).trim(), 'Error: The justification must be 50 to 4000 characters.');
  await requester.waitForFunction(() => document.activeElement?.className === 'error-summary', null, { timeout: 3000 });
  await requester.click('.error-summary a[href="#justification"]');
  assert.equal(await requester.evaluate(() => document.activeElement?.id), 'justification', 'the summary link moves focus');
  assert.ok(await requester.isChecked('#field-surname'), 'choices are kept');
  await checked(requester, 'regulator-new-request-errors');
  await requester.fill('#justification', 'The account is the subject of a defamation case before the court, number 2-1234/2026.');
  await requester.getByRole('button', { name: 'File the request' }).click();
  await requester.waitForURL(/\/regulator\/requests\/\d+$/);
  const requestUrl = requester.url();
  assert.equal((await requester.textContent('#state')).trim(), 'Awaiting decision');
  await checked(requester, 'regulator-request-pending');

  // The approver works in their own browser session.
  const approver = await signIn('demo-approver');
  await approver.goto(requestUrl);
  await approver.check('#approve');
  await approver.fill('#reason', 'The court decision names this account.');
  await checked(approver, 'regulator-decision');
  await approver.getByRole('button', { name: 'Record the decision' }).click();
  await approver.waitForURL(`${requestUrl}?done=decided`);
  assert.match(await approver.textContent('[role=status]'), /The decision was recorded/);
  assert.equal((await approver.textContent('#state')).trim(), 'Approved');
  await approver.context().close();

  await requester.reload();
  await requester.getByRole('button', { name: 'Open the disclosure' }).click();
  assert.equal((await requester.textContent('h1')).trim(), 'Disclosure');
  const shown = await requester.textContent('main');
  assert.ok(shown.includes('Сейтқали'), 'the approved surname is shown');
  assert.ok(!shown.includes('850612414080') && !shown.includes('Айгүл'), 'nothing that was not approved');
  await checked(requester, 'regulator-disclosure');
  assert.deepEqual(requester.consoleErrors, [], 'no console errors, CSP violations included');
  await requester.context().close();
});

test('the owner downloads the proof of the disclosure, and it checks out offline', async () => {
  const owner = JSON.parse(readFileSync(join(process.env.E2E_STATE_DIR, 'owner-ru.json'), 'utf8'));
  const page = await desktopPage(browser);
  await page.goto(`${BASE}/my?lang=ru`);
  await page.fill('#reference', owner.reference);
  await page.fill('#management_key', owner.key);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.waitForURL(`${BASE}/my`);
  assert.match(await page.textContent('main'), /Ваши данные раскрывались 1 раз/);
  await checked(page, 'my-disclosed-ru');
  const link = page.locator('#disclosures a[download]');
  assert.equal((await link.textContent()).trim(), 'Скачать доказательство');
  // The entry joins the published log at the next checkpoint (every second here).
  const href = await link.getAttribute('href');
  for (let tries = 0; (await page.context().request.get(`${BASE}${href}`)).status() !== 200; tries++) {
    assert.ok(tries < 50, 'the proof became ready');
    await page.waitForTimeout(200);
  }
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.match(download.suggestedFilename(), /^registry-entry-\d+\.tlog-proof$/);
  const dir = mkdtempSync(join(tmpdir(), 'registry-proof-'));
  const file = join(dir, download.suggestedFilename());
  await download.saveAs(file);
  const verify = (path) => execFileSync(process.env.E2E_REGISTRY, ['audit', 'verify-proof', path, '--key', process.env.E2E_LOG_KEY], { encoding: 'utf8', stdio: 'pipe' });
  const said = verify(file);
  assert.match(said, /^The proof holds\./);
  assert.match(said, /did disclosure\.opened on access_request:/);
  // One byte changed: the entry's salt and content are what the proof is about.
  const proof = readFileSync(file, 'utf8');
  const extra = proof.split('\n')[1];
  const flipped = extra.slice(0, 20) + (extra[20] === 'A' ? 'B' : 'A') + extra.slice(21);
  const changed = join(dir, 'changed.tlog-proof');
  writeFileSync(changed, proof.replace(extra, flipped));
  assert.throws(() => verify(changed), /the proof does not hold/);
  assert.deepEqual(page.consoleErrors, [], 'no console errors, CSP violations included');
  await page.context().close();
});

test('a registrar checks declarations without reading them, confirms one and rejects another', async () => {
  const registrar = await signIn('demo-registrar', '/regulator/review');
  for (const lang of ['kk', 'ru', 'en']) {
    await registrar.goto(`${BASE}/regulator/review?lang=${lang}`);
    await checked(registrar, `regulator-review-queue-${lang}`);
    await registrar.locator('tbody a').first().click();
    await checked(registrar, `regulator-review-check-${lang}`);
  }
  // The oldest declaration is the Kazakh-language owner's (claim.test.mjs).
  await registrar.goto(`${BASE}/regulator/review?lang=en`);
  await registrar.locator('tbody a').first().click();
  const shown = await registrar.textContent('main');
  assert.ok(!shown.includes('900115353054') && !shown.includes('Сейтқали'), 'nothing of the declaration is shown');
  await registrar.fill('#purpose', 'Passport presented at the service centre.');
  await registrar.fill('#iin', '900115353054');
  await registrar.fill('#surname', 'СЕЙТҚАЛИ');
  await registrar.fill('#given_name', 'айгүл');
  await registrar.getByRole('button', { name: 'Check', exact: true }).click();
  // The answer is a new page: wait for it before counting its rows.
  await registrar.locator('#results').waitFor();
  assert.equal((await registrar.locator('tbody tr').count()), 3);
  const answered = await registrar.textContent('#results + table');
  assert.ok(answered.includes('С…') && !answered.includes('3054'), 'a name\'s first letter, never an identifier\'s digits');
  await checked(registrar, 'regulator-review-matched');
  await registrar.getByRole('button', { name: 'Confirm the declaration' }).click();
  await registrar.waitForURL(`${BASE}/regulator/review?done=confirmed`);
  assert.match(await registrar.textContent('[role=status]'), /The declaration was confirmed/);
  await checked(registrar, 'regulator-review-confirmed');

  // The English-language owner's declaration (the newest) is found false.
  await registrar.locator('tbody a').last().click();
  await registrar.fill('#purpose', 'Answer from the population register.');
  await registrar.fill('#surname', 'Абенов');
  await registrar.getByRole('button', { name: 'Check', exact: true }).click();
  assert.equal((await registrar.textContent('.result-no_match')).trim(), 'Does not match');
  assert.equal(await registrar.getByRole('button', { name: 'Confirm the declaration' }).count(), 0);
  await registrar.getByRole('button', { name: 'Reject the declaration' }).click();
  assert.equal((await registrar.textContent('#reason-error')).trim(), 'Choose a reason.');
  assert.equal(await registrar.getAttribute('.error-summary a', 'href'), '#reason-data_mismatch', 'the summary links to the first reason');
  await checked(registrar, 'regulator-review-reject-errors');
  await registrar.check('#reason-data_mismatch');
  await registrar.getByRole('button', { name: 'Reject the declaration' }).click();
  await registrar.waitForURL(`${BASE}/regulator/review?done=rejected`);
  assert.match(await registrar.textContent('[role=status]'), /The declaration was rejected and deleted/);
  assert.deepEqual(registrar.consoleErrors, [], 'no console errors, CSP violations included');
  await registrar.context().close();
});
