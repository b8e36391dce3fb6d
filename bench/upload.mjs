// Upload benchmark (make bench). One client, the same bytes and 16 MiB PATCH requests for:
//   (a) plain file I/O: writing the file to the same disk, then fsync — the physical limit;
//   (b) the reference tus server @tus/server 2.x + @tus/file-store (no encryption);
//   (c) our tus endpoint (AES-256-GCM segments, running SHA-256, synced about once a second, release build).
// Prints MB/s of each (median of the rounds), the ratios c/a and c/b, the growth of our
// server's peak RSS over the run, the CPU per GiB of (c) and the rate two cores allow at that
// cost, and download (decrypt) MB/s against reading the plain file.
//
// Environment: BENCH_UPLOAD_MB (default 1024), BENCH_ROUNDS (default 5),
// KUNDENPORTAL_BIN (default target/release/kundenportal).
import { execSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 1024 * 1024;
const TOTAL = Number(process.env.BENCH_UPLOAD_MB || 1024) * MiB;
const CHUNK = 16 * MiB;
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const BIN = path.resolve(repo, process.env.KUNDENPORTAL_BIN || 'target/release/kundenportal');
// On the same disk as the servers' data directories.
const work = path.join(repo, 'target', 'bench-upload');

// One keep-alive connection per upload (`tusUpload`): a connection left idle while another
// phase runs would be closed by the server's idle timeout, possibly just as it is used again.
const keepAlive = () => new http.Agent({ keepAlive: true, maxSockets: 1 });
const agent = keepAlive();

/** One HTTP request; resolves with status, headers and the body as text (or counts it). */
function request(url, { method = 'GET', headers = {}, body, count = false, via = agent } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: via }, (res) => {
      let text = '';
      let bytes = 0;
      res.on('data', (d) => {
        if (count) bytes += d.length;
        else text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function expect(res, status, what) {
  if (res.status !== status) {
    throw new Error(`${what}: HTTP ${res.status} (expected ${status}): ${res.text.slice(0, 300)}`);
  }
  return res;
}

/** The file's bytes, chunk by chunk: one random 16 MiB block stamped with the chunk number. */
const block = crypto.randomBytes(CHUNK);
function chunk(i) {
  const len = Math.min(CHUNK, TOTAL - i * CHUNK);
  block.writeUInt32BE(i, 0);
  return len === CHUNK ? block : block.subarray(0, len);
}
const chunks = Math.ceil(TOTAL / CHUNK);

function plainWrite(file) {
  const start = performance.now();
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < chunks; i++) fs.writeSync(fd, chunk(i));
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  return performance.now() - start;
}

/** A complete tus upload: creation, then PATCHes of 16 MiB. Returns [ms, upload URL]. */
async function tusUpload(base, createPath, headers) {
  const via = keepAlive();
  try {
    return await tusUploadVia(base, createPath, headers, via);
  } finally {
    via.destroy();
  }
}

async function tusUploadVia(base, createPath, headers, via) {
  const start = performance.now();
  const created = expect(
    await request(base + createPath, {
      method: 'POST',
      headers: {
        ...headers,
        'Tus-Resumable': '1.0.0',
        'Upload-Length': String(TOTAL),
        'Upload-Metadata': `filename ${Buffer.from('bench.bin').toString('base64')}`,
      },
      via,
    }),
    201,
    'tus creation',
  );
  const url = new URL(created.headers.location, base).toString();
  let offset = 0;
  for (let i = 0; i < chunks; i++) {
    const body = chunk(i);
    const res = expect(
      await request(url, {
        method: 'PATCH',
        headers: {
          ...headers,
          'Tus-Resumable': '1.0.0',
          'Upload-Offset': String(offset),
          'Content-Type': 'application/offset+octet-stream',
          'Content-Length': String(body.length),
        },
        body,
        via,
      }),
      204,
      `PATCH ${i}`,
    );
    offset = Number(res.headers['upload-offset']);
    if (offset !== Math.min(TOTAL, (i + 1) * CHUNK)) {
      // Our server keeps whole 64 KiB segments only; 16 MiB is a multiple, so it never differs.
      throw new Error(`PATCH ${i}: offset ${offset}`);
    }
  }
  return [performance.now() - start, url];
}

async function waitFor(url, child, log) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${log()}`);
    try {
      await request(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`server did not start:\n${log()}`);
}

function start(cmd, args, env) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, cwd: repo });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return [child, () => out];
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.on('exit', resolve);
    child.kill('SIGTERM');
  });
}

/** kB values of VmRSS / VmHWM (peak) of a process. */
function memory(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(status.match(new RegExp(`${k}:\\s+(\\d+)`))[1]);
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** CPU seconds (user + system) a process has used so far. */
const TICK = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
function cpuSeconds(pid) {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
}

/** Busy and total jiffies of the whole machine. */
function machineTicks() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((x, y) => x + y, 0);
  // idle and iowait
  return { busy: total - f[3] - f[4], total };
}

function cookieOf(res) {
  return (res.headers['set-cookie'] || []).map((c) => c.split(';')[0]).join('; ');
}

/** Starts our release server on an empty data directory with a firm, a client and a link. */
async function startOurs(port, dir) {
  const base = `http://127.0.0.1:${port}`;
  const [child, log] = start(BIN, ['serve'], {
    KUNDENPORTAL_SERVER_LISTEN: `127.0.0.1:${port}`,
    KUNDENPORTAL_SERVER_PUBLIC_URL: base,
    KUNDENPORTAL_SERVER_DATA_DIR: dir,
    KUNDENPORTAL_SERVER_DATABASE_URL: '',
    KUNDENPORTAL_UPLOADS_MAX_FILE_MB: String(Math.max(2048, TOTAL / MiB)),
    LEPTOS_SITE_ROOT: path.join(repo, 'target', 'site'),
    RUST_LOG: 'warn',
  });
  await waitFor(`${base}/login`, child, log);
  const form = (o) => new URLSearchParams(o).toString();
  const post = (endpoint, fields, cookie) =>
    request(`${base}/api/${endpoint}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
        ...(cookie ? { Cookie: cookie } : {}),
      },
      body: form(fields),
    });
  const setup = expect(
    await post('setup_firm', {
      firm: 'Benchmark GmbH',
      name: 'Bench Owner',
      email: 'bench@example.org',
      password: 'bench-passwort-2026',
      password_repeat: 'bench-passwort-2026',
    }),
    200,
    'setup_firm',
  );
  const cookie = cookieOf(setup);
  const clientId = JSON.parse(
    expect(
      await post('create_client', { name: 'Bench Client', email: 'client@example.org' }, cookie),
      200,
      'create_client',
    ).text,
  );
  const link = JSON.parse(
    expect(await post('create_upload_link', { client_id: clientId }, cookie), 200, 'link').text,
  );
  const token = link.url.split('/').pop();
  return { child, log, base, cookie, token };
}

/** CPU seconds per GiB of SHA-256 on one core (Node's OpenSSL), hashing 256 MiB. */
function shaSecondsPerGib() {
  const block = crypto.randomBytes(16 * MiB);
  const h = crypto.createHash('sha256');
  const t = process.cpuUsage();
  for (let i = 0; i < 16; i++) h.update(block);
  h.digest();
  const used = process.cpuUsage(t);
  return ((used.user + used.system) / 1e6) * 4;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mbps = (ms) => TOTAL / MiB / (ms / 1000);
const fmt = (x) => x.toFixed(1).padStart(8);

async function main() {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} missing: build it with cargo leptos build --release --split --precompress`);
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  console.log(
    `upload benchmark: ${TOTAL / MiB} MiB in ${chunks} PATCH requests of ${CHUNK / MiB} MiB, ` +
      `${ROUNDS} rounds, data in ${work}`,
  );

  const refDir = path.join(work, 'tus-reference');
  fs.mkdirSync(refDir);
  const [ref, refLog] = start(process.execPath, [path.join(repo, 'bench', 'tus-reference.mjs'), '3201', refDir], {});
  const ours = await startOurs(3202, path.join(work, 'ours'));
  await waitFor('http://127.0.0.1:3201/files', ref, refLog);
  const before = memory(ours.child.pid);

  const times = { a: [], b: [], c: [] };
  // Where the CPU went during (c): our server, this client, the whole machine.
  const cpu = { server: 0, client: 0, busy: 0, total: 0 };
  const plainFile = path.join(work, 'plain.bin');
  let lastUpload;
  try {
    // Each measurement starts with no dirty pages of the one before waiting to be written.
    const settle = () => execSync('sync');
    for (let round = 1; round <= ROUNDS; round++) {
      settle();
      times.a.push(plainWrite(plainFile));
      settle();
      const [b, refUrl] = await tusUpload('http://127.0.0.1:3201', '/files', {});
      times.b.push(b);
      await request(refUrl, { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0' } });
      settle();
      const [s0, c0, m0] = [cpuSeconds(ours.child.pid), process.cpuUsage(), machineTicks()];
      const [c, url] = await tusUpload(ours.base, '/api/uploads/', {
        Authorization: `Bearer ${ours.token}`,
      });
      const [c1, m1] = [process.cpuUsage(c0), machineTicks()];
      cpu.server += cpuSeconds(ours.child.pid) - s0;
      cpu.client += (c1.user + c1.system) / 1e6;
      cpu.busy += m1.busy - m0.busy;
      cpu.total += m1.total - m0.total;
      times.c.push(c);
      lastUpload = url;
      console.log(
        `round ${round}: (a) plain ${fmt(mbps(times.a.at(-1)))} MB/s   (b) @tus/server ${fmt(mbps(b))} MB/s` +
          `   (c) ours ${fmt(mbps(c))} MB/s`,
      );
    }
    const after = memory(ours.child.pid);

    // Downloads: ours decrypts and verifies every segment; the baseline reads the plain file.
    const fileId = lastUpload.split('/').pop();
    const downloads = [];
    const reads = [];
    for (let round = 1; round <= ROUNDS; round++) {
      let t = performance.now();
      await new Promise((resolve, reject) =>
        fs.createReadStream(plainFile, { highWaterMark: MiB }).on('data', () => {}).on('end', resolve).on('error', reject),
      );
      reads.push(performance.now() - t);
      t = performance.now();
      const res = await request(`${ours.base}/api/files/${fileId}/download`, {
        headers: { Cookie: ours.cookie },
        count: true,
      });
      if (res.status !== 200 || res.bytes !== TOTAL) throw new Error(`download: ${res.status}, ${res.bytes} bytes`);
      downloads.push(performance.now() - t);
    }
    const afterDownload = memory(ours.child.pid);

    const [a, b, c] = [mbps(median(times.a)), mbps(median(times.b)), mbps(median(times.c))];
    const growth = (Math.max(after.peak, afterDownload.peak) - before.rss) / 1024;
    const [read, dl] = [mbps(median(reads)), mbps(median(downloads))];
    console.log('');
    console.log(`(a) plain write + fsync          ${fmt(a)} MB/s`);
    console.log(`(b) @tus/server 2 + file-store   ${fmt(b)} MB/s`);
    console.log(`(c) Kundenportal (AES-GCM+SHA256) ${fmt(c)} MB/s`);
    console.log(`c/a = ${(c / a).toFixed(2)}   (target >= 0.80)`);
    console.log(`c/b = ${(c / b).toFixed(2)}   (target >= 1.20)`);
    console.log(
      `our server RSS: ${(before.rss / 1024).toFixed(1)} MB before, peak ${(Math.max(after.peak, afterDownload.peak) / 1024).toFixed(1)} MB` +
        ` -> growth ${growth.toFixed(1)} MB   (target < 64 MB)`,
    );
    const gib = (ROUNDS * TOTAL) / (1024 * MiB);
    console.log(
      `CPU during (c), per GiB: our server ${(cpu.server / gib).toFixed(2)} s, this client ${(cpu.client / gib).toFixed(2)} s;` +
        ` the machine ${((100 * cpu.busy) / cpu.total).toFixed(0)} % busy`,
    );
    // What two cores allow at all: every GiB needs the CPU seconds just measured (server and
    // client), and SHA-256 — one running hash, so one core — needs at least what OpenSSL's
    // (SHA-NI, like ours) takes here.
    const cores = os.availableParallelism();
    const perGib = (cpu.server + cpu.client) / gib;
    const ceiling = (cores / perGib) * 1.073741824 * 1000;
    const sha = shaSecondsPerGib();
    console.log(
      `ceiling: ${cores} cores / ${perGib.toFixed(2)} CPU s per GiB = ${fmt(ceiling)} MB/s with no idle moment` +
        ` (c/a ${(ceiling / a).toFixed(2)}); SHA-256 alone ${sha.toFixed(2)} s per GiB on one core`,
    );
    console.log(`download: plain read ${fmt(read)} MB/s   ours (decrypt) ${fmt(dl)} MB/s   ratio ${(dl / read).toFixed(2)}`);
  } finally {
    await stop(ours.child);
    await stop(ref);
    agent.destroy();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
