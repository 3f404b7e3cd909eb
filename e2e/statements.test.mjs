// The JavaScript check docs/STATEMENTS.md gives platforms, run as written
// against an answer from the running registry: no browser, only Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = process.env.BASE_URL;
const token = process.env.E2E_PLATFORM_TOKEN;

function snippet() {
  const doc = readFileSync(new URL('../docs/STATEMENTS.md', import.meta.url), 'utf8');
  const start = doc.indexOf('```javascript\n') + '```javascript\n'.length;
  return doc.slice(start, doc.indexOf('```', start));
}

test('a platform checks a status answer with the documented Node snippet', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'statements-'));
  const keys = await (await fetch(`${base}/.well-known/registry-keys.json`)).text();
  const answer = await (await fetch(`${base}/api/v1/accounts/e2e-small`, { headers: { authorization: `Bearer ${token}` } })).json();
  writeFileSync(join(dir, 'keys.json'), keys);
  writeFileSync(join(dir, 'verify.mjs'), snippet());
  const run = (value) => {
    writeFileSync(join(dir, 'answer.json'), JSON.stringify(value));
    return execFileSync('node', [join(dir, 'verify.mjs'), join(dir, 'keys.json'), join(dir, 'answer.json'), 'demo'], { encoding: 'utf8', stdio: 'pipe' });
  };

  const said = JSON.parse(run(answer));
  assert.equal(said.account_ref, 'e2e-small');
  assert.equal(said.status, answer.status);
  assert.equal(said.seq, answer.seq);
  assert.equal(said.platform, 'demo');

  assert.throws(() => run({ ...answer, status: 'verified' }), /the signature does not verify/);
});
