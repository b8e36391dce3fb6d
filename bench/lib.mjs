// What the benchmark scripts share: HTTP requests, starting the server binary and waiting for
// it, reading its memory.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.resolve(repo, process.env.KUNDENPORTAL_BIN || 'target/release/kundenportal');

/** One HTTP request; resolves with status, headers and the body as text. */
export function request(url, { method = 'GET', headers = {}, body, agent } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function expect(res, status, what) {
  if (res.status !== status) throw new Error(`${what}: HTTP ${res.status}: ${res.text.slice(0, 300)}`);
  return res;
}

export const form = (o) => new URLSearchParams(o).toString();
export const sleep = (t) => new Promise((r) => setTimeout(r, t));
export const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

/** Starts the server binary with `args` (default: serve); its output is kept for errors. */
export function start(env, args = ['serve']) {
  const log = [];
  const child = spawn(BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => log.push(String(d)));
  child.stderr.on('data', (d) => log.push(String(d)));
  return [child, log];
}

/** Waits until `url` answers (anything below 500), or fails with the server's output. */
export async function waitFor(url, child, log) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited: ${log.join('')}`);
    try {
      const r = await request(url);
      if (r.status < 500) return;
    } catch {}
    await sleep(100);
  }
  throw new Error(`server did not start: ${log.join('')}`);
}

/** The process's resident memory now and at its peak, in kB (from /proc). */
export function memoryKb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number((status.match(new RegExp(`${k}:\\s+(\\d+)`)) || [0, 0])[1]);
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** The value of cookie `name` (`name=…`) a response sets, if any. */
export const cookieOf = (res, name) =>
  [].concat(res.headers['set-cookie'] || []).map((c) => c.split(';')[0]).find((c) => c.startsWith(`${name}=`));

/** Signs a staff member in at `base`; their session cookie (`kp_session=…`). */
export async function staffLogin(base, email, password) {
  const login = expect(
    await request(`${base}/api/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: form({ email, password }),
    }),
    200,
    'login',
  );
  const cookie = cookieOf(login, 'kp_session');
  if (!cookie) throw new Error(`login: no kp_session cookie (${login.headers['set-cookie']})`);
  return cookie;
}

/** The environment of a server on `port` with a fresh SQLite data directory `dir`. */
export function sqliteEnv(port, dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return {
    KUNDENPORTAL_SERVER_LISTEN: `127.0.0.1:${port}`,
    KUNDENPORTAL_SERVER_PUBLIC_URL: `http://127.0.0.1:${port}`,
    KUNDENPORTAL_SERVER_DATA_DIR: dir,
    KUNDENPORTAL_SERVER_DATABASE_URL: '',
    LEPTOS_SITE_ROOT: path.join(repo, 'target', 'site'),
    KUNDENPORTAL_LOG: 'warn',
  };
}

/** Calls server functions at `base` with the cookie `headers`; the JSON answer (200 only). */
export function caller(base, headers) {
  return async (endpoint, fields) =>
    JSON.parse(
      expect(
        await request(`${base}/api/${endpoint}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...headers },
          body: form(fields),
        }),
        200,
        endpoint,
      ).text || 'null',
    );
}

/** Opens the portal of the firm's first client (secret links switched on); its cookie. */
export async function portalCookie(base, post) {
  await post('save_portal_settings', { magic: 'on', secret: 'on', grant: 'all', link_minutes: '15' });
  const client = (await post('list_clients', {})).rows[0].id;
  const secret = new URL(await post('new_secret_link', { client_id: client }));
  const cookie = cookieOf(expect(await request(`${base}${secret.pathname}`), 303, 'secret link'), 'kp_portal');
  return { client, cookie };
}

/** The demo firm (`seed-demo`) served on `port` from a fresh directory; signed in as its owner. */
export async function demoServer(port, name) {
  const env = sqliteEnv(port, path.join(repo, 'target', name));
  const base = `http://127.0.0.1:${port}`;
  const [seed, seedLog] = start(env, ['seed-demo']);
  await new Promise((r) => seed.on('exit', r));
  if (seed.exitCode !== 0) throw new Error(`seed-demo: ${seedLog.join('')}`);
  const [server, log] = start(env);
  try {
    await waitFor(`${base}/healthz`, server, log);
    const staff = { Cookie: await staffLogin(base, 'inhaberin@kanzlei-muster.de', 'demo-passwort-2026') };
    return { base, server, staff, post: caller(base, staff) };
  } catch (e) {
    server.kill('SIGKILL');
    throw e;
  }
}
