import { test, expect, Page } from '@playwright/test';
import { api, createClientApi, hydrated, login, portalLogin, sendFile } from './helpers';

// Script payloads in every field a person can fill — names, companies, notes, chat messages,
// ticket subjects and texts, file names — are stored as text and shown as text, on the staff
// pages and in the client's portal; direction overrides and control characters are refused
// with a message at the field; path tricks in file names are cut to the last part; oversized
// input is refused, not stored. The test fails on any dialog or script execution.

/** Runs the payload if a page ever treats it as markup. */
const XSS = [
  `<img src=x onerror="window.__pwned='img';alert('img')">`,
  `<script>window.__pwned='script';alert('script')</script>`,
  `"><svg onload="window.__pwned='svg';alert('svg')">`,
  `javascript:alert('href')`,
  `{{7*7}} \${alert('tpl')}`,
];

function watch(page: Page, dialogs: string[]) {
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
}

async function inert(page: Page, dialogs: string[], what: string) {
  await hydrated(page);
  expect(await page.evaluate(() => (window as any).__pwned), `${what}: a payload ran`).toBeUndefined();
  expect(dialogs, `${what}: a dialog opened`).toEqual([]);
  // No element the payloads would have made exists.
  expect(await page.locator('img[src="x"], svg[onload]').count(), what).toBe(0);
}

test('script payloads in every field stay text; disguised and oversized input is refused', async ({ page, browser }) => {
  test.setTimeout(90_000);
  const dialogs: string[] = [];
  watch(page, dialogs);
  await login(page);

  // Through the form: a direction override in a name is refused at the field …
  await page.goto('/clients/new');
  await hydrated(page);
  await page.locator('#f-name').fill('Rechnung\u202Efdp.exe');
  await page.getByRole('button', { name: 'Kunden anlegen' }).click();
  await expect(page.locator('#f-name-error')).toHaveText('Enthält unzulässige Steuerzeichen.');
  // … and a script payload is a name like any other.
  await page.locator('#f-name').fill(XSS[0]);
  await page.getByRole('button', { name: 'Kunden anlegen' }).click();
  await expect(page).toHaveURL(/\/clients\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(XSS[0]);
  await inert(page, dialogs, 'client page after the form');

  // Null bytes and overrides through the API: refused with the field named, nothing stored.
  for (const bad of ['Null\u0000Byte', 'a\u202Eb', 'x\u2066y']) {
    const res = await page.request.post('/api/create_client', {
      form: { name: bad, email: '', company: '', allow_duplicate: '1' },
      headers: { Accept: 'application/json' },
    });
    expect(res.status(), JSON.stringify(bad)).toBe(422);
    expect((await res.json()).Invalid.field).toBe('name');
  }
  // 10 MB in a field: refused whole (413), never stored.
  // (The server answers 413 before reading the body; the client may still be writing it and
  // see the connection closed instead.)
  const huge = await page.request
    .post('/api/create_client', {
      form: { name: 'x'.repeat(10 * 1024 * 1024), allow_duplicate: '1' },
      headers: { Accept: 'application/json' },
    })
    .then((r) => String(r.status()), (e) => String(e.message).match(/EPIPE|ECONNRESET/)?.[0] ?? String(e));
  expect(['413', 'EPIPE', 'ECONNRESET']).toContain(huge);
  const listed = await api(page, 'list_clients', { q: 'xxxxxxxx' });
  expect(listed.rows).toEqual([]);

  // Every payload in a client's fields, a note, a chat message, a case and a file name.
  const email = 'hostile@kundin.de';
  const clientId = await (await createClientApi(page, `Kundin ${XSS[1]}`, email, XSS[2])).json();
  await api(page, 'add_client_note', { id: clientId, body: XSS.join('\n') });
  for (const text of XSS) await api(page, 'send_message', { client_id: clientId, text });
  const caseId = await api(page, 'create_case', { client_id: clientId, title: XSS[3], description: XSS[4] });
  await api(page, 'add_case_item', { case_id: caseId, title: XSS[0], explanation: XSS[1] });
  const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2048, 1)]);
  await sendFile(page, clientId, `../../etc/${XSS[0]}.pdf`, pdf);
  await sendFile(page, clientId, '..\\..\\windows\\system32\\Ｒechnung.pdf', pdf);

  for (const [path, what] of [
    ['/clients', 'client list'],
    [`/clients/${clientId}`, 'client detail'],
    [`/cases/${caseId}`, 'case'],
    ['/', 'dashboard'],
  ]) {
    await page.goto(path);
    await inert(page, dialogs, what);
  }
  // Shown as the text it is; path parts cut off.
  await page.goto(`/clients/${clientId}`);
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Kundin ${XSS[1]}`);
  // The name keeps its words; characters no file system takes become "_".
  await expect(page.getByText(`${XSS[0]}.pdf`.replace(/[:*?"<>|]/g, '_')).filter({ visible: true }).first()).toBeVisible();
  await expect(page.getByText('../../etc/')).toHaveCount(0);
  await expect(page.getByText('Ｒechnung.pdf').filter({ visible: true }).first()).toBeVisible();
  await expect(page.getByText('system32')).toHaveCount(0);
  await expect(page.getByTestId('chat')).toContainText(XSS[1]);

  // The client's side: the portal shows the same text inertly; a ticket full of payloads too.
  const phoneContext = await browser.newContext({ viewport: { width: 375, height: 740 }, locale: 'de-DE' });
  const phone = await phoneContext.newPage();
  const phoneDialogs: string[] = [];
  watch(phone, phoneDialogs);
  await portalLogin(phone, email);
  await inert(phone, phoneDialogs, 'portal home');
  await expect(phone.getByText(XSS[3]).first()).toBeVisible();
  const ticket = await api(phone, 'open_ticket', { subject: XSS[2], text: XSS.join('\n') });
  for (const path of ['/portal/tickets', `/portal/tickets/${ticket}`]) {
    await phone.goto(path);
    await inert(phone, phoneDialogs, path);
  }
  await expect(phone.getByText(XSS[2]).first()).toBeVisible();
  await phoneContext.close();

  // Staff read the ticket.
  await page.goto(`/tickets/${ticket}`);
  await inert(page, dialogs, 'staff ticket');
  await expect(page.getByText(XSS[2]).first()).toBeVisible();
});
