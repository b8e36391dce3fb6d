// Chat benchmark (make bench). One server on SQLite with a firm of 1,000 clients, each signed
// in to the portal (permanent secret link) with its own live stream open (/api/portal/events),
// all at the same time:
//   - the server's RSS before the streams are opened, with all of them open, and its peak;
//   - a message from staff to each client in turn: the time from sending it until that client's
//     stream has it — p50/p99/max, against the send request's own round trip;
//   - the same with 8 senders at once (load): p50/p99;
//   - isolation: every stream gets only its own client's events (printed, expected 0).
//
// Environment: BENCH_CONNECTIONS (default 1000), KUNDENPORTAL_BIN (default
// target/release/kundenportal).
//
// File descriptors: each stream is one socket here and one in the server. Node raises its own
// soft limit of open files to the hard limit at start, and the server inherits it; with a hard
// limit (ulimit -Hn) below about 2 x BENCH_CONNECTIONS + 200 connections fail with EMFILE —
// the script checks the limit first and says so.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { BIN, expect, form, memoryKb as memory, pct, repo, request as plain, sleep, staffLogin, start, waitFor } from './lib.mjs';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 1000);
const SETUP_CONCURRENCY = 16;
const SENDERS = 8;
const PORT = 3241;
// How long a sent message may take to reach its stream before it counts as lost.
const DELIVERY_TIMEOUT_MS = 10_000;
const work = path.join(repo, 'target', 'bench-chat');

const agent = new http.Agent({ keepAlive: true, maxSockets: SETUP_CONCURRENCY });
const streamAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

const request = (url, opts = {}) => plain(url, { agent, ...opts });
const ms = (v) => (v === undefined ? 'n/a' : `${v.toFixed(1)} ms`);
const mb = (kb) => `${(kb / 1024).toFixed(1)} MB`;

/** SIGTERM, then SIGKILL if the server is still there after 5 s. */
function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** kB values of VmRSS / VmHWM (peak) of a process. */
/** Soft limit of open files of this process (the server inherits it). */
function openFilesLimit() {
  const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line && line.split(/\s{2,}/)[1];
  return soft === undefined || soft === 'unlimited' ? Infinity : Number(soft);
}


/** `fn(item, index)` for every item, `n` at a time; results in order. */
async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

const emfile = (e) =>
  e && (e.code === 'EMFILE' || e.code === 'ENFILE')
    ? new Error(
        `too many open files (${e.code}) with ${CONNECTIONS} connections: raise the limit ` +
          `(ulimit -n, now ${openFilesLimit()}) or lower BENCH_CONNECTIONS`,
      )
    : e;

/** Opens a portal SSE stream; resolves once the response headers are in. */
function openStream(base, cookie, onData) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}/api/portal/events`,
      { headers: { Cookie: cookie, Accept: 'text/event-stream' }, agent: streamAgent },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`portal events: HTTP ${res.statusCode}`));
        res.setEncoding('utf8');
        res.on('data', onData);
        resolve(req);
      },
    );
    req.on('error', (e) => reject(emfile(e)));
    req.end();
  });
}

async function main() {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} missing: build it with cargo leptos build --release --split --precompress`);
  const limit = openFilesLimit();
  if (limit < 2 * CONNECTIONS + 200) {
    throw new Error(
      `open files limit ${limit} is too low for ${CONNECTIONS} connections (needs about ${2 * CONNECTIONS + 200}): ` +
        `raise it (ulimit -n) or lower BENCH_CONNECTIONS`,
    );
  }
  fs.rmSync(work, { recursive: true, force: true });
  const dir = path.join(work, 'data');
  fs.mkdirSync(dir, { recursive: true });
  const base = `http://127.0.0.1:${PORT}`;
  const env = {
    KUNDENPORTAL_SERVER_LISTEN: `127.0.0.1:${PORT}`,
    KUNDENPORTAL_SERVER_PUBLIC_URL: base,
    KUNDENPORTAL_SERVER_DATA_DIR: dir,
    KUNDENPORTAL_SERVER_DATABASE_URL: '',
    LEPTOS_SITE_ROOT: path.join(repo, 'target', 'site'),
    RUST_LOG: 'warn',
    KUNDENPORTAL_LOG: 'warn',
  };
  // The plan "team": "solo" (the default) allows 10 clients, "pro" 50.
  const admin = spawnSync(
    BIN,
    ['create-admin', '--firm', 'Kanzlei Bench', '--name', 'Bench', '--email', 'bench@bench.de', '--password', 'bench-passwort-123', '--plan', 'team'],
    { env: { ...process.env, ...env }, encoding: 'utf8' },
  );
  if (admin.status !== 0) throw new Error(`create-admin failed: ${admin.stdout}${admin.stderr}`);

  const [child, log] = start(env);
  const streams = [];
  try {
    await waitFor(`${base}/healthz`, child, log);
    const cookie = await staffLogin(base, 'bench@bench.de', 'bench-passwort-123');
    const post = async (endpoint, fields) =>
      JSON.parse(
        expect(
          await request(`${base}/api/${endpoint}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', Cookie: cookie },
            body: form(fields),
          }),
          200,
          endpoint,
        ).text || 'null',
      );

    // Setup: clients, the secret link sign-in, one portal session per client.
    const setupStart = performance.now();
    const idx = Array.from({ length: CONNECTIONS }, (_, i) => i);
    const clients = await pool(idx, SETUP_CONCURRENCY, (i) =>
      post('create_client', { name: `Client ${i}`, email: `c${i}@bench.de`, allow_duplicate: '1' }),
    );
    await post('save_portal_settings', { magic: 'on', secret: 'on', grant: 'all', link_minutes: '15' });
    const portalCookies = await pool(clients, SETUP_CONCURRENCY, async (id) => {
      const url = new URL(await post('new_secret_link', { client_id: id }));
      const r = expect(await request(`${base}${url.pathname}`), 303, 'secret link');
      const c = [].concat(r.headers['set-cookie'] || []).map((s) => s.split(';')[0]).find((s) => s.startsWith('kp_portal='));
      if (!c) throw new Error(`secret link: no kp_portal cookie (location ${r.headers.location})`);
      return c;
    });
    const setupSecs = (performance.now() - setupStart) / 1000;
    await sleep(500);
    const before = memory(child.pid);

    // The streams. Each event is recorded as `<client index>:<message id>` → arrival time;
    // a sender waiting for one is woken when it arrives.
    const arrived = new Map();
    const waiting = new Map();
    let wrong = 0;
    let resyncs = 0;
    const wrongSamples = [];
    const onEvent = (i, ev, now) => {
      if (ev.kind === 'resync') return void resyncs++;
      if (ev.client_id !== clients[i]) {
        wrong++;
        if (wrongSamples.length < 5) wrongSamples.push(`stream of ${clients[i]} got ${JSON.stringify(ev)}`);
        return;
      }
      if (ev.kind !== 'message') return;
      const key = `${i}:${ev.subject}`;
      arrived.set(key, now);
      const w = waiting.get(key);
      if (w) {
        waiting.delete(key);
        w(now);
      }
    };
    const openStart = performance.now();
    const opened = await pool(idx, SETUP_CONCURRENCY, (i) => {
      let buf = '';
      return openStream(base, portalCookies[i], (d) => {
        const now = performance.now();
        buf += d;
        const lines = buf.split('\n');
        buf = lines.pop();
        for (const line of lines) {
          // `data: {json}`; comments (keep-alive) start with ':', `id:` lines are not needed.
          if (!line.startsWith('data:')) continue;
          try {
            onEvent(i, JSON.parse(line.slice(5).trim()), now);
          } catch (e) {
            wrong++;
            if (wrongSamples.length < 5) wrongSamples.push(`unreadable event: ${line.slice(0, 200)}`);
          }
        }
      });
    });
    streams.push(...opened);
    const openSecs = (performance.now() - openStart) / 1000;
    await sleep(1000);
    const withStreams = memory(child.pid);

    /** The time from `t0` until client i's stream has message `id` (null: never came). */
    const arrival = (i, id, t0) => {
      const key = `${i}:${id}`;
      if (arrived.has(key)) return Promise.resolve(arrived.get(key) - t0);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(key);
          resolve(null);
        }, DELIVERY_TIMEOUT_MS);
        waiting.set(key, (now) => {
          clearTimeout(timer);
          resolve(now - t0);
        });
      });
    };
    /** One message to every client, `senders` at a time: delivery latencies, round trips, lost. */
    const fanOut = async (senders, tag) => {
      const lat = [];
      const rtt = [];
      let lost = 0;
      await pool(idx, senders, async (i) => {
        const t0 = performance.now();
        const id = await post('send_message', { client_id: clients[i], text: `Hallo ${i}`, idem: `${tag}-${i}` });
        rtt.push(performance.now() - t0);
        const l = await arrival(i, id, t0);
        if (l === null) {
          // Each lost message costs DELIVERY_TIMEOUT_MS: stop early instead of waiting for all.
          if (++lost > 5) {
            throw new Error(`${tag}: more than 5 messages never reached their stream (wrong-client events so far: ${wrong})`);
          }
        } else lat.push(l);
      });
      lat.sort((a, b) => a - b);
      rtt.sort((a, b) => a - b);
      return { lat, rtt, lost };
    };
    const seq = await fanOut(1, 'b');
    const load = await fanOut(SENDERS, 'b8');
    const end = memory(child.pid);

    const peak = Math.max(before.peak, withStreams.peak, end.peak);
    const grown = withStreams.rss - before.rss;
    console.log(`chat fan-out: ${CONNECTIONS} portal connections on one server (SQLite)`);
    console.log(
      `  setup: ${CONNECTIONS} clients signed in to the portal in ${setupSecs.toFixed(1)} s, ` +
        `${CONNECTIONS} streams opened in ${openSecs.toFixed(1)} s`,
    );
    console.log(
      `  server RSS: ${mb(before.rss)} before streams, ${mb(withStreams.rss)} with ${CONNECTIONS} streams open ` +
        `(${grown >= 0 ? '+' : ''}${mb(grown)}, ${(grown / CONNECTIONS).toFixed(1)} kB per stream), peak ${mb(peak)}`,
    );
    const line = (label, r) =>
      `  ${label.padEnd(46)}p50 ${ms(pct(r.lat, 50))}  p99 ${ms(pct(r.lat, 99))}  max ${ms(r.lat[r.lat.length - 1])}` +
      `   (send round trip p50 ${ms(pct(r.rtt, 50))})` +
      (r.lost ? `   ${r.lost} messages never arrived` : '');
    console.log(line("message to its client's stream, sequential:", seq));
    console.log(line(`message to its client's stream, ${SENDERS} senders:`, load));
    console.log(`  events delivered to the wrong client: ${wrong}${resyncs ? ` (resyncs: ${resyncs})` : ''}`);
    for (const s of wrongSamples) console.log(`    ${s}`);
    if (wrong || seq.lost || load.lost) process.exitCode = 1;
  } finally {
    for (const s of streams) s.destroy();
    await stop(child);
    agent.destroy();
    streamAgent.destroy();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(emfile(e));
  process.exit(1);
});
