// Secrets never reach the log: scans the server's output of a whole end-to-end run (the
// `[WebServer]` lines of the log file given) for
//   - every token that reached a browser by mail (magic links, upload links, invitations,
//     secret links …: the SMTP catcher keeps all mails in end2end/.data/mails.jsonl),
//   - every password the suite types (string literals of the specs that name one),
//   - the master key (end2end/.data/master.key) and the Stripe webhook secret,
//   - anything shaped like one of our tokens (43 characters of base64url), a session cookie
//     or a bearer credential.
// Exits 1 naming what leaked (not the secret itself); prints what it checked otherwise.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const logFile = process.argv[2];
const data = path.join(repo, 'end2end', '.data');

const lines = fs
  .readFileSync(logFile, 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('[WebServer]'));
if (lines.length < 3) {
  console.error(`log secret scan: no server output in ${logFile}`);
  process.exit(1);
}
const log = lines.join('\n');

/** value → what it is (never printed itself). */
const secrets = new Map();
const TOKEN = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;

let mails = 0;
const kept = path.join(data, 'mails.jsonl');
if (fs.existsSync(kept)) {
  for (const line of fs.readFileSync(kept, 'utf8').split('\n').filter(Boolean)) {
    const m = JSON.parse(line);
    mails++;
    for (const [t] of `${m.text}\n${m.html}`.matchAll(TOKEN)) secrets.set(t, `a token from the mail "${m.subject}"`);
  }
}
if (mails === 0) {
  console.error('log secret scan: no mails kept by the SMTP catcher (end2end/.data/mails.jsonl)');
  process.exit(1);
}
const tokens = secrets.size;

let passwords = 0;
const specs = path.join(repo, 'end2end', 'tests');
for (const f of fs.readdirSync(specs).filter((f) => f.endsWith('.ts'))) {
  const src = fs.readFileSync(path.join(specs, f), 'utf8');
  for (const [, lit] of src.matchAll(/'([^'\s]{8,})'/g)) {
    if (/passwort|password|geheim|secret/i.test(lit) && !/^[#.[]|^f-|testid/.test(lit)) {
      secrets.set(lit, `a password of ${f}`);
      passwords++;
    }
  }
}

const masterKey = path.join(data, 'master.key');
if (fs.existsSync(masterKey)) secrets.set(fs.readFileSync(masterKey, 'utf8').trim(), 'the master key');
const stripe = fs.readFileSync(path.join(repo, 'end2end', 'stripe-fake.mjs'), 'utf8').match(/WEBHOOK_SECRET = '([^']+)'/);
if (stripe) secrets.set(stripe[1], 'the payment webhook secret');

const leaks = [];
for (const [value, what] of secrets) if (log.includes(value)) leaks.push(what);
for (const [t] of log.matchAll(TOKEN)) if (!secrets.has(t)) leaks.push('a token-shaped string');
for (const re of [/kp_session=[^;\s]+/, /kp_portal=[^;\s]+/, /Bearer\s+\S{20,}/i, /password["':= ]+[^\s",}]{6,}/i]) {
  if (re.test(log)) leaks.push(`something like ${re.source.split('[')[0]}`);
}
if (leaks.length) {
  console.error(`log secret scan: the server log of the end-to-end run contains ${[...new Set(leaks)].join(', ')}`);
  process.exit(1);
}
console.log(
  `log secret scan: ${lines.length} server log lines, ${secrets.size} secrets (${tokens} tokens from ${mails} mails, ` +
    `${passwords} passwords, master key, webhook secret) and token/cookie/credential patterns: none found`,
);
