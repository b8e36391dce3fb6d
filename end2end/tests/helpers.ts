import { expect, Page } from '@playwright/test';

export const OWNER = {
  firm: 'Kanzlei Test & Partner',
  name: 'Olga Owner',
  email: 'owner@kanzlei-test.de',
  password: 'ein-sehr-geheimes-passwort',
};

/** Waits until the WASM client has hydrated the page, so clicks reach live handlers. */
export async function hydrated(page: Page) {
  await expect(page.locator('#app')).toHaveAttribute('data-hydrated', 'true', { timeout: 30_000 });
}

export async function login(page: Page, email = OWNER.email, password = OWNER.password) {
  await page.goto('/login');
  await hydrated(page);
  await page.locator('#f-email').fill(email);
  await page.locator('#f-password').fill(password);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  // Staff land on the overview; most tests start from the client list.
  await expect(page).toHaveURL(/:3100\/$/);
  await page.goto('/clients');
  await hydrated(page);
}

/** Creates a client through the same server function the form uses (fast test setup). */
export async function createClientApi(page: Page, name: string, email = '', company = '') {
  const res = await page.request.post('/api/create_client', {
    form: { name, email, company, allow_duplicate: '1' },
    headers: { Accept: 'application/json' },
  });
  return res;
}

/** Mails the app sent to `to` over SMTP, as the catcher received them (oldest first). */
export async function mailsTo(to: string): Promise<Mail[]> {
  const res = await fetch(`http://127.0.0.1:3126/messages?to=${encodeURIComponent(to)}`);
  return res.json();
}

type Mail = { subject: string; text: string; html: string; replyTo: string; messageId: string };

/** Waits for the first mail to `to` that `wanted` accepts and returns it. */
export async function waitForMail(to: string, wanted: (m: Mail) => boolean = () => true) {
  for (let i = 0; i < 100; i++) {
    const found = (await mailsTo(to)).find(wanted);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no such mail to ${to}`);
}

/** Calls a server function as the page's browser (JSON back). */
export async function api(page: Page, endpoint: string, form: Record<string, string>) {
  const res = await page.request.post(`/api/${endpoint}`, { form, headers: { Accept: 'application/json' } });
  expect(res.ok(), `${endpoint}: ${await res.text()}`).toBe(true);
  return res.json();
}

/** Signs a client in to the portal in `page` through a real magic-link mail. */
export async function portalLogin(page: Page, email: string) {
  const before = (await mailsTo(email)).length;
  const res = await page.request.post('/api/request_portal_link', {
    form: { email },
    headers: { Accept: 'application/json' },
  });
  expect(res.ok()).toBe(true);
  let link = '';
  for (let i = 0; i < 100 && !link; i++) {
    const mails = await mailsTo(email);
    const mail = mails.slice(before).find((m) => m.text.includes('/portal/m/'));
    link = mail?.text.match(/http:\/\/\S+\/portal\/m\/[A-Za-z0-9_-]{43}/)?.[0] ?? '';
    if (!link) await new Promise((r) => setTimeout(r, 100));
  }
  expect(link, `magic link mail to ${email}`).not.toBe('');
  await page.goto(link);
  await hydrated(page);
  await page.getByTestId('magic-sign-in').click();
  await expect(page).toHaveURL(/\/portal$/);
  await hydrated(page);
}

/** The entries of a ZIP archive (read from its central directory, ZIP64 fields included;
 * stored or deflated). */
export function unzip(zip: Buffer): { name: string; data: Buffer }[] {
  const zlib = require('zlib') as typeof import('zlib');
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a ZIP archive');
  let count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  if (at === 0xffffffff || count === 0xffff) {
    // The ZIP64 end record, found through its locator just before the classic one.
    const record = Number(zip.readBigUInt64LE(eocd - 20 + 8));
    count = Number(zip.readBigUInt64LE(record + 32));
    at = Number(zip.readBigUInt64LE(record + 48));
  }
  const out: { name: string; data: Buffer }[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('bad central directory');
    const method = zip.readUInt16LE(at + 10);
    let size = zip.readUInt32LE(at + 20);
    const plainSize = zip.readUInt32LE(at + 24);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    let local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    // ZIP64 extra field (0x0001): the 64-bit values of whichever fields are 0xffffffff.
    let extra = at + 46 + nameLen;
    const end = extra + extraLen;
    while (extra + 4 <= end) {
      const tag = zip.readUInt16LE(extra);
      const len = zip.readUInt16LE(extra + 2);
      if (tag === 1) {
        let f = extra + 4;
        if (plainSize === 0xffffffff) f += 8;
        if (size === 0xffffffff) { size = Number(zip.readBigUInt64LE(f)); f += 8; }
        if (local === 0xffffffff) local = Number(zip.readBigUInt64LE(f));
      }
      extra += 4 + len;
    }
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + size);
    out.push({ name, data: method === 8 ? zlib.inflateRawSync(raw) : Buffer.from(raw) });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** Delivers a raw mail to the app's inbound SMTP listener, the way an MX would. */
export async function deliverMail(from: string, to: string, raw: string) {
  const net = await import('node:net');
  const socket = net.createConnection({ host: '127.0.0.1', port: 3128 });
  socket.setEncoding('utf8');
  let buffer = '';
  const waiting: ((line: string) => void)[] = [];
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let i;
    while ((i = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      // Multi-line replies ("250-…") end with a line "250 …".
      if (/^\d{3} /.test(line)) waiting.shift()?.(line);
    }
  });
  const reply = () => new Promise<string>((resolve) => waiting.push(resolve));
  const say = async (cmd: string, code: string) => {
    const r = reply();
    socket.write(cmd + '\r\n');
    const line = await r;
    expect(line.startsWith(code), `${cmd} → ${line}`).toBe(true);
  };
  expect((await reply()).startsWith('220')).toBe(true);
  await say('EHLO mx.example.org', '250');
  await say(`MAIL FROM:<${from}>`, '250');
  await say(`RCPT TO:<${to}>`, '250');
  await say('DATA', '354');
  const body = raw.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
  await say(body + '\r\n.', '250');
  await say('QUIT', '221');
  socket.end();
}

/** A PDF with `n` blank A4 pages. */
export function pdfPages(n: number): Buffer {
  const objects = ['<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${Array.from({ length: n }, (_, i) => `${i + 3} 0 R`).join(' ')}] /Count ${n} >>`];
  for (let i = 0; i < n; i++) objects.push('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>');
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => { offsets.push(body.length); body += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) body += `${String(o).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body);
}

/** Sends a file to the client as staff (a tus upload, like the "Dateien senden" widget). */
export async function sendFile(staff: Page, client: string, name: string, data: Buffer): Promise<string> {
  const meta = `filename ${Buffer.from(name).toString('base64')},client_id ${Buffer.from(client).toString('base64')}`;
  const created = await staff.request.post('/api/uploads/', {
    headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': String(data.length), 'Upload-Metadata': meta },
  });
  expect(created.status()).toBe(201);
  const location = created.headers()['location'];
  const patched = await staff.request.patch(location, {
    headers: { 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' },
    data,
  });
  expect(patched.status()).toBe(204);
  return location.split('/').pop()!;
}
