// Two officials in separate browser sessions take a request from filing to
// disclosure: the requester files it, the approver approves it, the
// requester opens only the approved data. Runs after claim.test.mjs, whose
// Russian-language owner (account e2e-ru) is the person asked about.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { BASE, launch, phonePage, seriousViolations, screenshot } from './browser.mjs';

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

async function signIn(username) {
  const official = OFFICIALS[username];
  assert.ok(official, `demo credentials for ${username}`);
  const page = await phonePage(browser);
  await page.goto(`${BASE}/regulator?lang=en`);
  await page.fill('#username', username);
  await page.fill('#password', official.password);
  await page.fill('#totp', totp(official.totp_secret));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${BASE}/regulator/requests`);
  return page;
}

test('a requester and an approver take a request to a disclosure of only the approved data', async () => {
  const requester = await signIn('demo-requester');
  await checked(requester, 'regulator-requests');
  await requester.getByRole('link', { name: 'New request' }).click();
  await requester.fill('#platform', 'demo');
  await requester.fill('#account_ref', 'e2e-ru');
  await requester.selectOption('#legal_basis', 'court_decision');
  await requester.fill('#basis_number', '2-1234/2026');
  await requester.fill('#basis_date', '2026-11-20');
  await requester.fill('#basis_issuer', 'Almaty District Court');
  await requester.fill('#justification', 'Too short.');
  await requester.check('#field-surname');
  await requester.getByRole('button', { name: 'File the request' }).click();
  assert.equal((await requester.textContent('#justification-error')).trim(), 'The justification must be 50 to 4000 characters.');
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
  await approver.waitForURL(requestUrl);
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
