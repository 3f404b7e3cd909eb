// Reads the mail `registry serve` wrote as .eml files (no SMTP server set),
// as an owner would read it in their mail program.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const MAIL_DIR = process.env.E2E_MAIL_DIR ?? '/tmp/registry-e2e-mail';

function decode(part) {
  const [head, ...rest] = part.split(/\r?\n\r?\n/);
  const body = rest.join('\n\n');
  if (/Content-Transfer-Encoding:\s*base64/i.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/Content-Transfer-Encoding:\s*quoted-printable/i.test(head)) {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** The plain-text part of every message to `to`, oldest first. */
export function messagesTo(to) {
  let files = [];
  try { files = readdirSync(MAIL_DIR).filter((f) => f.endsWith('.eml')); } catch { return []; }
  // Files are named by message id: their order is the order they were written.
  const written = (f) => statSync(join(MAIL_DIR, f), { bigint: true }).mtimeNs;
  files.sort((a, b) => (written(a) < written(b) ? -1 : written(a) > written(b) ? 1 : 0));
  return files
    .map((f) => ({ f, raw: readFileSync(join(MAIL_DIR, f), 'utf8') }))
    .filter(({ raw }) => new RegExp(`^To: ${to.replace('.', '\\.')}\\s*$`, 'm').test(raw))
    .map(({ raw }) => {
      const boundary = raw.match(/boundary="?([^"\r\n;]+)"?/)?.[1];
      const parts = boundary ? raw.split(`--${boundary}`) : [raw];
      const text = parts.find((p) => /Content-Type:\s*text\/plain/i.test(p));
      return { raw, text: text ? decode(text.trim()) : '' };
    });
}

/** Waits for a message to `to`, beyond the first `seen`, whose text matches `pattern`; returns the first group. */
async function waitFor(to, pattern, seen) {
  for (let i = 0; i < 100; i++) {
    const fresh = messagesTo(to).slice(seen).map((m) => m.text.match(pattern)?.[1]).filter(Boolean);
    if (fresh.length) return fresh[fresh.length - 1];
    await new Promise((r) => setTimeout(r, 100));
  }
  const texts = messagesTo(to).slice(seen).map((m) => m.text);
  throw new Error(`nothing matching ${pattern} mailed to ${to}: ${JSON.stringify(texts)}`);
}

/** The 8-digit code in the newest message to `to` beyond the first `seen`. */
export const waitForCode = (to, seen = 0) => waitFor(to, /\b(\d{8})\b/, seen);

/** The link to this site's `path` in the newest message to `to` beyond the first `seen`
 *  (that mentions `about`, if given). */
export const waitForLink = (to, path, seen = 0, about = '') =>
  waitFor(to, new RegExp(`${about}[\\s\\S]*?(https?://\\S+${path}\\S*)`), seen);
