// Dashboard benchmark (make bench). For SQLite and for PostgreSQL: a firm with 10,000 clients,
// 50,000 cases (150,000 requested documents) and 500,000 files (`kundenportal seed-bench`),
// then, with 32 concurrent connections:
//   - the staff home (GET /, server-rendered with all its queries) — p50/p99 and requests/s,
//     against GET /healthz (the server's floor) measured the same way in the same run; and the
//     time of a view computed afresh (the figures are shared per firm for up to 5 s);
//   - the fan-out of one upload event to 1,000 open dashboards (/api/events streams): the time
//     from sending the upload's last request until each stream has the event — p50/p99/max,
//     against that request's own round trip.
//
// Environment: BENCH_REQUESTS (default 960 per measurement), BENCH_STREAMS (default 1000),
// BENCH_PG_URL (PostgreSQL server URL with a role that may create databases; PostgreSQL is
// skipped when unset), KUNDENPORTAL_BIN (default target/release/kundenportal).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { BIN, expect, form, pct, repo, request as plain, staffLogin, start, waitFor } from './lib.mjs';
const REQUESTS = Number(process.env.BENCH_REQUESTS || 960);
const STREAMS = Number(process.env.BENCH_STREAMS || 1000);
const CONCURRENCY = 32;
const work = path.join(repo, 'target', 'bench-dashboard');

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const streamAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

const request = (url, opts = {}) => plain(url, { agent, ...opts });
const ms = (v) => `${v.toFixed(1)} ms`;

/** `total` requests from `CONCURRENCY` workers; latencies (ms, sorted) and requests/s. */
async function load(url, headers, total, check) {
  const lat = [];
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < total) {
      next++;
      const t0 = performance.now();
      const r = await request(url, { headers });
      lat.push(performance.now() - t0);
      check(r);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const secs = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  return { p50: pct(lat, 50), p99: pct(lat, 99), rps: total / secs };
}

/** Opens an SSE stream; resolves once the response headers are in. */
function openStream(base, cookie, onData) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/events`, { headers: { Cookie: cookie }, agent: streamAgent }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`events: HTTP ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', onData);
      resolve(req);
    });
    req.on('error', reject);
    req.end();
  });
}

async function run(name, env) {
  const dir = path.join(work, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const port = name === 'SQLite' ? 3231 : 3232;
  const base = `http://127.0.0.1:${port}`;
  const fullEnv = {
    KUNDENPORTAL_SERVER_LISTEN: `127.0.0.1:${port}`,
    KUNDENPORTAL_SERVER_PUBLIC_URL: base,
    KUNDENPORTAL_SERVER_DATA_DIR: dir,
    LEPTOS_SITE_ROOT: path.join(repo, 'target', 'site'),
    RUST_LOG: 'warn',
    KUNDENPORTAL_LOG: 'warn',
    ...env,
  };
  const seedStart = performance.now();
  const seeded = spawnSync(BIN, ['seed-bench'], { env: { ...process.env, ...fullEnv }, encoding: 'utf8' });
  if (seeded.status !== 0) throw new Error(`seed-bench failed: ${seeded.stdout}${seeded.stderr}`);
  console.log(`${name}: ${seeded.stdout.trim().split('\n').pop()} (${((performance.now() - seedStart) / 1000).toFixed(0)} s)`);
  const [child, log] = start(fullEnv);
  try {
    await waitFor(`${base}/healthz`, child, log);
    const cookie = await staffLogin(base, 'bench@example.org', 'bench-passwort-2026');
    const headers = { Cookie: cookie };
    const page = (r) => {
      if (r.status !== 200 || !r.text.includes('kpi-open')) throw new Error(`dashboard: HTTP ${r.status}`);
    };
    // Warm up caches and connections.
    await load(`${base}/`, headers, 64, page);
    // Cold: views nobody asked for yet (each filter is computed on its first request).
    const cold = [];
    for (const q of ['status=offen', 'status=teilweise', 'status=vollstaendig', 'responsible=x1', 'responsible=x2']) {
      const t0 = performance.now();
      page(await request(`${base}/?${q}`, { headers }));
      cold.push(performance.now() - t0);
    }
    cold.sort((a, b) => a - b);
    const floor = await load(`${base}/healthz`, {}, REQUESTS, (r) => expect(r, 200, 'healthz'));
    const dash = await load(`${base}/`, headers, REQUESTS, page);
    console.log(
      `${name}: dashboard p50 ${ms(dash.p50)}, p99 ${ms(dash.p99)}, ${dash.rps.toFixed(0)} req/s ` +
        `| /healthz p50 ${ms(floor.p50)}, ${floor.rps.toFixed(0)} req/s ` +
        `| dashboard/healthz p50 ${(dash.p50 / floor.p50).toFixed(1)}x`,
    );
    console.log(`${name}: dashboard computed afresh (first request of a view, one at a time): median ${ms(pct(cold, 50))}, max ${ms(cold[cold.length - 1])}`);

    // Fan-out: 1,000 open dashboards, one upload.
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
        ).text,
      );
    const page1 = await post('list_clients', {});
    const link = await post('create_upload_link', { client_id: page1.rows[0].id });
    const token = link.url.split('/').pop();
    const marker = `Fanout-${Date.now()}.pdf`;
    const got = new Array(STREAMS).fill(0);
    let t0 = 0;
    const streams = [];
    for (let i = 0; i < STREAMS; i++) {
      let buf = '';
      streams.push(
        await openStream(base, cookie, (d) => {
          buf += d;
          if (!got[i] && buf.includes(marker)) got[i] = performance.now();
        }),
      );
    }
    const tus = { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${token}` };
    const body = Buffer.from('%PDF-1.7\nfan-out\n%%EOF\n');
    const created = expect(
      await request(`${base}/api/uploads/`, {
        method: 'POST',
        headers: {
          ...tus,
          'Upload-Length': String(body.length),
          'Upload-Metadata': `filename ${Buffer.from(marker).toString('base64')}`,
        },
      }),
      201,
      'tus create',
    );
    t0 = performance.now();
    expect(
      await request(`${base}${created.headers.location}`, {
        method: 'PATCH',
        headers: { ...tus, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' },
        body,
      }),
      204,
      'tus patch',
    );
    const patchMs = performance.now() - t0;
    const deadline = performance.now() + 30_000;
    while (got.some((g) => !g) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const missing = got.filter((g) => !g).length;
    const lat = got.filter((g) => g).map((g) => g - t0).sort((a, b) => a - b);
    for (const s of streams) s.destroy();
    console.log(
      `${name}: fan-out to ${STREAMS} dashboards p50 ${ms(pct(lat, 50))}, p99 ${ms(pct(lat, 99))}, max ${ms(lat[lat.length - 1])}` +
        ` (the upload's last request itself: ${ms(patchMs)}${missing ? `; ${missing} streams got nothing` : ''})`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

await run('SQLite', { KUNDENPORTAL_SERVER_DATABASE_URL: '' });
if (process.env.BENCH_PG_URL) {
  await run('PostgreSQL', { KUNDENPORTAL_SERVER_DATABASE_URL: process.env.BENCH_PG_URL });
} else {
  console.log('PostgreSQL: skipped (BENCH_PG_URL not set)');
}
