// Page benchmark (make bench): the seeded data set — 200 firms, 10,000 clients, 50,000 cases
// (150,000 requested documents), 500,000 file records (`kundenportal seed-bench --firms 200`) —
// under wrk (Debian's load generator) with 32 connections:
//   - staff dashboard (GET /, server-rendered), client list with a search (GET /clients?q=…),
//     portal home (GET /portal, a client signed in by its secret link), a server function
//     (POST /api/list_clients with a search);
//   - each against a bare axum handler returning a page of the dashboard's size, measured the
//     same way in the same run (`kundenportal bench-baseline`): the ratio of requests/s;
//   - the floor of the page path: the sign-in page (no session; its one query asks whether a
//     firm is set up) against bare axum returning a page of its size;
//   - on SQLite (one node), PostgreSQL (one node) and PostgreSQL with two nodes (wrk against
//     both at once, 16 connections each; requests/s summed);
//   - the server's RSS idle (after start) and its peak under the load;
//   - the WASM bundle (raw, gzip, brotli) and the portal's time to interactive on a simulated
//     mid-range phone (375 px, Chromium CPU throttling 4×): from navigation until the page has
//     hydrated and no long task (> 50 ms) runs any more, a first visit and the median of 5 later
//     ones (BENCH_TTI_TASKS=1 prints the long tasks).
//
// Environment: BENCH_SECONDS (per wrk run, default 10), BENCH_PG_URL (PostgreSQL server URL
// with a role that may create databases; PostgreSQL is skipped when unset), KUNDENPORTAL_BIN,
// BENCH_TTI_ONLY=1 (only the bundle and the time to interactive, on a small data set).
// BENCH_PG_ONLY=1 (with BENCH_PG_URL: only the PostgreSQL runs).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { BIN, caller, expect, memoryKb, portalCookie as portalOf, repo, request, staffLogin, start as startBin, waitFor as waitForBin } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const TTI_ONLY = process.env.BENCH_TTI_ONLY === '1';
const work = path.join(repo, 'target', 'bench-pages');
const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
const SITE = path.join(repo, 'target', 'site');

function start(args, env) {
  const [child, log] = startBin(env, args);
  return { child, log };
}

const waitFor = (url, server) => waitForBin(url, server.child, server.log);

/** RSS now and at its peak (MB). */
function memory(pid) {
  const m = memoryKb(pid);
  return { rss: m.rss / 1024, peak: m.peak / 1024 };
}

/** wrk's figures: requests/s, p50 and p99 in ms. */
function wrk(urls, { headers = {}, post, connections = 32 } = {}) {
  const script = path.join(work, 'post.lua');
  if (post) {
    fs.writeFileSync(
      script,
      `wrk.method = "POST"\nwrk.body = ${JSON.stringify(post)}\n` +
        `wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\nwrk.headers["Accept"] = "application/json"\n`,
    );
  }
  const per = Math.max(1, Math.floor(connections / urls.length));
  const runs = urls.map((url) => {
    const args = ['-t2', `-c${per}`, `-d${SECONDS}s`, '--latency'];
    for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
    if (post) args.push('-H', `Origin: ${new URL(url).origin}`, '-s', script);
    args.push(url);
    return new Promise((resolve, reject) => {
      const p = spawn('wrk', args);
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (out += d));
      p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk: ${out}`))));
    });
  });
  return Promise.all(runs).then((outs) => {
    const parsed = outs.map((out) => {
      const ms = (re) => {
        const m = out.match(re);
        if (!m) throw new Error(`wrk output: ${out}`);
        const unit = { us: 0.001, ms: 1, s: 1000, m: 60000 }[m[2]];
        return Number(m[1]) * unit;
      };
      const non2xx = Number((out.match(/Non-2xx or 3xx responses: (\d+)/) || [0, 0])[1]);
      const errors = (out.match(/Socket errors: .*/) || [''])[0];
      if (non2xx > 0) throw new Error(`wrk: ${non2xx} failed responses on ${urls}: ${out}`);
      return {
        rps: Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1]),
        p50: ms(/\s50%\s+([\d.]+)(us|ms|s|m)/),
        p99: ms(/\s99%\s+([\d.]+)(us|ms|s|m)/),
        errors,
      };
    });
    return {
      rps: parsed.reduce((s, p) => s + p.rps, 0),
      p50: Math.max(...parsed.map((p) => p.p50)),
      p99: Math.max(...parsed.map((p) => p.p99)),
      errors: parsed.map((p) => p.errors).filter(Boolean).join('; '),
    };
  });
}

const f1 = (v) => v.toFixed(1);
const line = (name, r, base) =>
  `  ${name.padEnd(34)} ${r.rps.toFixed(0).padStart(6)} req/s   p50 ${f1(r.p50).padStart(6)} ms   p99 ${f1(r.p99).padStart(6)} ms` +
  (base ? `   ${((100 * r.rps) / base.rps).toFixed(0).padStart(3)} % of bare axum` : '') +
  (r.errors ? `   (${r.errors})` : '');

/** wrk against `kundenportal bench-baseline`: bare axum returning a page of `bytes` bytes. */
async function bareAxum(bytes) {
  const bare = start(['bench-baseline', '--listen', '127.0.0.1:3299', '--bytes', String(bytes)], {});
  try {
    await waitFor('http://127.0.0.1:3299/', bare);
    return await wrk(['http://127.0.0.1:3299/']);
  } finally {
    bare.child.kill('SIGKILL');
    await new Promise((resolve) => (bare.child.exitCode !== null ? resolve() : bare.child.once('exit', resolve)));
  }
}

/** Seeds, starts `nodes` servers, measures; returns the portal cookie for the TTI run. */
async function run(name, env, nodes, ports) {
  const dirs = ports.map((p) => path.join(work, `${name}-${p}`.replace(/\W+/g, '-')));
  for (const d of dirs) {
    fs.rmSync(d, { recursive: true, force: true });
    fs.mkdirSync(d, { recursive: true });
  }
  const envOf = (i) => ({
    KUNDENPORTAL_SERVER_LISTEN: `127.0.0.1:${ports[i]}`,
    KUNDENPORTAL_SERVER_PUBLIC_URL: `http://127.0.0.1:${ports[i]}`,
    KUNDENPORTAL_SERVER_DATA_DIR: dirs[i],
    KUNDENPORTAL_MASTER_KEY: MASTER_KEY,
    LEPTOS_SITE_ROOT: SITE,
    KUNDENPORTAL_LOG: 'warn',
    ...env,
  });
  if (!env.SKIP_SEED) {
    const t0 = performance.now();
    const size = TTI_ONLY ? ['2', '20', '100', '1000'] : ['200', '10000', '50000', '500000'];
    const seeded = spawnSync(
      BIN,
      ['seed-bench', '--firms', size[0], '--clients', size[1], '--cases', size[2], '--files', size[3]],
      { env: { ...process.env, ...envOf(0) }, encoding: 'utf8' },
    );
    if (seeded.status !== 0) throw new Error(`seed-bench failed: ${seeded.stdout}${seeded.stderr}`);
    console.log(`${name}: ${seeded.stdout.trim().split('\n').pop()} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const servers = [];
  try {
    for (let i = 0; i < nodes; i++) {
      const s = start(['serve'], envOf(i));
      servers.push(s);
      await waitFor(`http://127.0.0.1:${ports[i]}/healthz`, s);
    }
    const bases = ports.slice(0, nodes).map((p) => `http://127.0.0.1:${p}`);
    const base = bases[0];
    const staff = { Cookie: await staffLogin(base, 'bench@example.org', 'bench-passwort-2026') };
    const { cookie: portalCookie } = await portalOf(base, caller(base, staff));
    const portal = { Cookie: portalCookie };
    const dashboard = expect(await request(`${base}/`, { headers: staff }), 200, 'dashboard');
    if (!dashboard.text.includes('kpi-open')) throw new Error('dashboard: not the overview');
    expect(await request(`${base}/portal`, { headers: portal }), 200, 'portal');
    const idle = servers.map((s) => memory(s.child.pid).rss);
    if (TTI_ONLY) return { base, portalCookie, servers };

    const baseline = await bareAxum(dashboard.text.length);
    const at = (p) => bases.map((b) => `${b}${p}`);
    // The floor of the page path: the sign-in page, rendered without a session (its one query
    // asks whether a firm is set up), against bare axum returning a page of its size.
    const login = expect(await request(`${base}/login`), 200, 'sign-in page');
    const floor = { page: await wrk(at('/login')), bare: await bareAxum(login.text.length), bytes: login.text.length };
    const results = [
      ['staff dashboard (GET /)', await wrk(at('/'), { headers: staff })],
      ['client list + search (GET /clients?q=)', await wrk(at('/clients?q=Mandant%2000012'), { headers: staff })],
      ['portal home (GET /portal)', await wrk(at('/portal'), { headers: portal })],
      ['server function (list_clients q=)', await wrk(at('/api/list_clients'), { headers: staff, post: 'q=Mandant+00012' })],
    ];
    const mem = servers.map((s) => memory(s.child.pid));
    console.log(`${name}, ${nodes} node(s), 32 connections, ${SECONDS} s each (page ${(dashboard.text.length / 1024).toFixed(0)} kB):`);
    console.log(line('bare axum, same page size', baseline));
    for (const [what, r] of results) console.log(line(what, r, baseline));
    console.log(line(`sign-in page (${(floor.bytes / 1024).toFixed(1)} kB, no session)`, floor.page, floor.bare));
    console.log(line('  bare axum, that page size', floor.bare));
    console.log(
      `  server RSS: idle ${idle.map(f1).join(' / ')} MB, peak under load ${mem.map((m) => f1(m.peak)).join(' / ')} MB`,
    );
    return { base, portalCookie, servers };
  } catch (e) {
    for (const s of servers) s.child.kill('SIGKILL');
    throw e;
  }
}

/** Raw, gzip -9 and brotli -11 sizes of files in the site's pkg directory, in bytes. */
function sizes(files) {
  const pkg = path.join(SITE, 'pkg');
  const sum = { raw: 0, gz: 0, br: 0 };
  for (const f of files) {
    const raw = fs.readFileSync(path.join(pkg, f));
    sum.raw += raw.length;
    sum.gz += zlib.gzipSync(raw, { level: 9 }).length;
    sum.br += zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  }
  return sum;
}

const kB = (n) => `${(n / 1024).toFixed(0)} kB`;
const sizeLine = (s) => `${kB(s.raw)} raw, ${kB(s.gz)} gzip, ${kB(s.br)} brotli`;

/** The whole WASM client: built with --split it is a main module and lazily loaded chunks. */
function bundle() {
  const wasm = fs.readdirSync(path.join(SITE, 'pkg')).filter((f) => f.endsWith('.wasm'));
  const main = wasm.filter((f) => f.startsWith('kundenportal'));
  console.log(`WASM, all ${wasm.length} files: ${sizeLine(sizes(wasm))}`);
  console.log(`WASM main module ${main.join(', ')}: ${sizeLine(sizes(main))}`);
}

/**
 * Portal home on a simulated mid-range phone (4x CPU throttling), in the sense of Lighthouse's
 * time to interactive: the page has hydrated (`kp-hydrated`, marked in `hydrate()`) and no long
 * task (> 50 ms, which would delay a tap) runs after it — including while the later parts of the
 * page (its chat) load. Each load waits until the chat is there and then 1.5 s more, so that late
 * long tasks are seen.
 */
async function interactive(base, portalCookie) {
  const { chromium } = await import(path.join(repo, 'end2end', 'node_modules', 'playwright-core', 'index.mjs'));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  const [k, v] = portalCookie.split('=');
  const phone = async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
    await context.addCookies([{ name: k, value: v, url: base }]);
    await context.addInitScript(() => {
      window.__kpLong = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__kpLong.push([e.startTime, e.duration]);
      }).observe({ type: 'longtask', buffered: true });
    });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    return page;
  };
  /** One load: { hydrated, tti, long } in ms since navigation start. */
  const load = async (page) => {
    await page.goto(`${base}/portal`, { waitUntil: 'commit' });
    await page.locator('#app[data-hydrated="true"]').waitFor({ timeout: 60_000 });
    await page.getByTestId('chat').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(1500);
    return page.evaluate(() => {
      const hydrated = performance.getEntriesByName('kp-hydrated')[0].startTime;
      const ends = window.__kpLong.map(([s, d]) => s + d);
      const tasks = JSON.stringify(window.__kpLong.map(([a, b]) => [Math.round(a), Math.round(b)]));
      return { hydrated, tti: Math.max(hydrated, ...ends), long: window.__kpLong.length, tasks };
    });
  };
  try {
    const page = await phone();
    // What the portal home really downloads: the main module and the chunks it loads.
    const loaded = new Set();
    page.on('response', (r) => {
      const file = new URL(r.url()).pathname.split('/').pop();
      if (file.endsWith('.wasm')) loaded.add(file);
    });
    const later = [];
    for (let i = 0; i < 6; i++) {
      const r = await load(page);
      if (i > 0) later.push(r); // the first load fills the cache, like a returning client's
    }
    // A first visit (empty cache) as well.
    const first = await load(await phone());
    if (process.env.BENCH_TTI_TASKS) {
      console.log(`long tasks [start, ms]: first visit ${first.tasks}; later ${later.map((r) => r.tasks).join(' ')}`);
    }
    console.log(`WASM the portal home loads (${loaded.size} files): ${sizeLine(sizes([...loaded]))}`);
    const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
    const median = (key) => later.map((r) => r[key]).sort((a, b) => a - b)[2];
    console.log(
      `portal interactive on a phone (4x CPU throttling): first visit ${s(first.tti)} ` +
        `(hydrated ${s(first.hydrated)}, ${first.long} long tasks), later visits median ${s(median('tti'))} ` +
        `(hydrated ${s(median('hydrated'))}; max ${s(Math.max(...later.map((r) => r.tti)))})`,
    );
  } finally {
    await browser.close();
  }
}

async function main() {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} missing: build it with cargo leptos build --release --split --precompress`);
  fs.mkdirSync(work, { recursive: true });
  const pg = process.env.BENCH_PG_URL;
  if (!(pg && process.env.BENCH_PG_ONLY === '1')) {
    bundle();
    const sqlite = await run('SQLite', { KUNDENPORTAL_SERVER_DATABASE_URL: '' }, 1, [3241]);
    try {
      await interactive(sqlite.base, sqlite.portalCookie);
    } finally {
      for (const s of sqlite.servers) s.child.kill('SIGKILL');
    }
  }
  if (!pg) {
    console.log('PostgreSQL: skipped (BENCH_PG_URL not set)');
    return;
  }
  const one = await run('PostgreSQL', { DATABASE_URL: pg }, 1, [3242, 3243]);
  for (const s of one.servers) s.child.kill('SIGKILL');
  const two = await run('PostgreSQL', { DATABASE_URL: pg, SKIP_SEED: '1' }, 2, [3242, 3243]);
  for (const s of two.servers) s.child.kill('SIGKILL');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
