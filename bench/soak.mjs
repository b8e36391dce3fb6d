// Soak (make bench): a bounded run of mixed traffic against the release server on SQLite with
// the demo data — staff and portal page views, chat messages both ways, small encrypted
// uploads through an upload link — for BENCH_SOAK_SECONDS (default 600). Prints requests and
// errors per kind and the server's memory every minute, with the growth over the second half
// of the run (flat memory: a leak would show there). Asserts nothing.
import crypto from 'node:crypto';
import http from 'node:http';
import { demoServer, form, memoryKb, portalCookie, request, sleep } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SOAK_SECONDS || 600);
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const stats = {};
const errors = [];

async function timed(kind, want, url, opts = {}) {
  const s = (stats[kind] ||= { n: 0, errors: 0 });
  s.n++;
  try {
    const r = await request(url, { ...opts, agent });
    if (r.status !== want) {
      s.errors++;
      if (errors.length < 5) errors.push(`${kind}: HTTP ${r.status} ${r.text.slice(0, 120)}`);
    }
    return r;
  } catch (e) {
    s.errors++;
    if (errors.length < 5) errors.push(`${kind}: ${e.message}`);
    return null;
  }
}

async function main() {
  const { base, server, staff, post } = await demoServer(3261, 'bench-soak');
  try {
    const fn = (cookie) => ({ 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...cookie });
    const { client, cookie } = await portalCookie(base, post);
    const portal = { Cookie: cookie };
    const token = new URL((await post('create_upload_link', { client_id: client, title: 'Soak' })).url).pathname.split('/').pop();

    const end = Date.now() + SECONDS * 1000;
    const html = { Accept: 'text/html' };
    let n = 0;
    const users = [
      // Staff browsing.
      async () => {
        await timed('staff page', 200, `${base}/`, { headers: { ...html, ...staff } });
        await timed('staff page', 200, `${base}/clients?q=a`, { headers: { ...html, ...staff } });
        await timed('staff page', 200, `${base}/clients/${client}`, { headers: { ...html, ...staff } });
      },
      // The client in the portal.
      async () => {
        await timed('portal page', 200, `${base}/portal`, { headers: { ...html, ...portal } });
        await timed('portal page', 200, `${base}/portal/invoices`, { headers: { ...html, ...portal } });
      },
      // Chat both ways, each message once per key.
      async () => {
        n++;
        await timed('chat', 200, `${base}/api/send_message`, {
          method: 'POST', headers: fn(staff), body: form({ client_id: client, text: `Nachricht ${n}`, idem: `s-${n}` }),
        });
        await timed('chat', 200, `${base}/api/portal_send`, {
          method: 'POST', headers: fn(portal), body: form({ text: `Antwort ${n}`, idem: `p-${n}` }),
        });
        await timed('chat', 200, `${base}/api/chat`, { method: 'POST', headers: fn(staff), body: form({ client_id: client }) });
      },
      // Small uploads through the link: create, one PATCH, done (scanned and sealed).
      async () => {
        const body = Buffer.concat([Buffer.from('%PDF-1.7\n'), crypto.randomBytes(32 * 1024)]);
        const tus = { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${token}` };
        const name = Buffer.from(`Beleg ${n}.pdf`).toString('base64');
        const created = await timed('upload', 201, `${base}/api/uploads/`, {
          method: 'POST',
          headers: { ...tus, 'Upload-Length': String(body.length), 'Upload-Metadata': `filename ${name}` },
        });
        const loc = created?.headers.location;
        if (loc) {
          await timed('upload', 204, `${base}${loc}`, {
            method: 'PATCH',
            headers: { ...tus, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(body.length) },
            body,
          });
        }
        await sleep(250);
      },
    ];
    const samples = [];
    const sampler = setInterval(() => samples.push({ t: Date.now(), ...memoryKb(server.pid) }), 10_000);
    const t0 = Date.now();
    samples.push({ t: t0, ...memoryKb(server.pid) });
    await Promise.all(users.map(async (u) => { while (Date.now() < end) await u(); }));
    clearInterval(sampler);
    samples.push({ t: Date.now(), ...memoryKb(server.pid) });

    const mb = (kb) => (kb / 1024).toFixed(1);
    console.log(`Soak, ${SECONDS} s of mixed traffic on SQLite (4 users: staff pages, portal pages, chat, uploads):`);
    for (const [kind, s] of Object.entries(stats)) {
      console.log(`  ${kind.padEnd(12)} ${String(s.n).padStart(7)} requests  ${(s.n / SECONDS).toFixed(1).padStart(6)}/s  ${s.errors} errors`);
    }
    for (const e of errors) console.log(`  error: ${e}`);
    const perMinute = samples.filter((s, i) => i === 0 || i === samples.length - 1 || Math.round((s.t - t0) / 1000) % 60 === 0);
    console.log(`  RSS: ${perMinute.map((s) => `${Math.round((s.t - t0) / 1000)} s ${mb(s.rss)}`).join(', ')} MB; peak ${mb(Math.max(...samples.map((s) => s.peak)))} MB`);
    const half = samples.filter((s) => s.t - t0 >= (SECONDS * 1000) / 2);
    if (half.length >= 2) {
      const first = half[0];
      const last = half[half.length - 1];
      const minutes = (last.t - first.t) / 60_000;
      console.log(`  RSS growth over the second half: ${(((last.rss - first.rss) / 1024) / Math.max(minutes, 1 / 60)).toFixed(2)} MB/min`);
    }
  } finally {
    server.kill('SIGKILL');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
