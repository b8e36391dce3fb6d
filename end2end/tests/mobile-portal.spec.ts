import { test, expect } from '@playwright/test';
import { api, createClientApi, hydrated, login, mailsTo, portalLogin, sendFile, waitForMail } from './helpers';

test('a client signs in on a phone with a magic link from a real mail and sends a requested document', async ({ page, browser }) => {
  test.setTimeout(90_000);
  // Staff (desktop): a client with an e-mail address and a case with one requested document.
  const staffContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'de-DE' });
  const staff = await staffContext.newPage();
  await login(staff);
  const clientId = await (await createClientApi(staff, 'Portal Kundin', 'portal@kundin.de')).json();
  const caseId = await api(staff, 'create_case', { client_id: clientId, title: 'Steuererklärung 2025' });
  await api(staff, 'add_case_item', {
    case_id: caseId,
    title: 'Personalausweis',
    explanation: 'Vorder- und Rückseite',
    required: 'on',
  });

  // The phone asks for a link; the answer does not say whether the address is known.
  await page.goto('/portal/login');
  await hydrated(page);
  await page.locator('#f-email').fill('Portal@Kundin.de');
  await page.getByTestId('request-link').click();
  await expect(page.getByTestId('link-sent')).toBeVisible();

  // The mail arrives over SMTP with a big button; the link opens a page with a button.
  const mail = await waitForMail('portal@kundin.de', (m) => m.text.includes('/portal/m/'));
  expect(mail.subject).toContain('Kanzlei Test & Partner');
  expect(mail.html).toContain('Jetzt anmelden');
  const link = mail.text.match(/http:\/\/\S+\/portal\/m\/[A-Za-z0-9_-]{43}/)![0];
  await page.goto(link);
  await hydrated(page);
  await page.getByTestId('magic-sign-in').click();
  await expect(page).toHaveURL(/\/portal$/);
  await hydrated(page);
  await expect(page.getByTestId('portal-client')).toHaveText('Portal Kundin');
  const caseCard = page.getByTestId('portal-case').filter({ hasText: 'Steuererklärung 2025' });
  await expect(caseCard).toContainText('Personalausweis');
  await expect(caseCard).toContainText('Vorder- und Rückseite');
  await expect(caseCard.getByTestId('item-state')).toHaveText('ausstehend');

  // Upload for the requested document.
  await caseCard.getByTestId('file-input').setInputFiles({
    name: 'Ausweis.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n'),
  });
  await expect(caseCard.getByTestId('upload-status')).toHaveText('Hochgeladen ✓');
  await expect(caseCard.getByTestId('item-state')).toHaveText('hochgeladen');
  await expect(page.getByTestId('portal-received')).toContainText('Ausweis.pdf');
  // Thumb-sized: nothing wider than the phone.
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);

  // The link was single use: opening it again offers a new one.
  const again = await browser.newPage();
  await again.goto(link);
  await expect(again.getByTestId('magic-dead')).toContainText('schon benutzt');
  await expect(again.getByTestId('request-new-link')).toBeVisible();
  await again.close();

  // Staff see the system message in the case's conversation and reply; the phone sees the
  // reply without reloading.
  await staff.goto(`/clients/${clientId}`);
  await hydrated(staff);
  await expect(staff.getByRole('link', { name: /Kunden/ }).getByTestId('unread')).toBeVisible();
  await staff.getByTestId('chat-conv').selectOption(caseId);
  await expect(staff.getByTestId('chat-messages')).toContainText('Dokument ist hochgeladen: Ausweis.pdf');
  await expect(staff.getByTestId('chat-messages')).toContainText('Datei-Scan freigegeben');
  await staff.getByTestId('chat-input').fill('Danke! Siehe https://example.com/hinweise');
  await staff.getByTestId('chat-send').click();
  await expect(staff.getByTestId('chat-messages')).toContainText('Danke! Siehe');
  await page.getByTestId('chat-conv').selectOption(caseId);
  const reply = page.getByTestId('chat-message').filter({ hasText: 'Danke! Siehe' });
  await expect(reply).toBeVisible();
  await expect(reply.getByRole('link', { name: 'https://example.com/hinweise' })).toHaveAttribute('href', 'https://example.com/hinweise');
  // The client answers; staff see it live.
  await page.getByTestId('chat-input').fill('Gern <b>geschehen</b>');
  await page.getByTestId('chat-send').click();
  await expect(staff.getByTestId('chat-messages')).toContainText('Gern <b>geschehen</b>');

  // The reply was mailed at once (the default), saying what happened, not what was written.
  const note = await waitForMail('portal@kundin.de', (m) => m.subject.includes('neue Nachricht'));
  expect(note.text).not.toContain('Danke! Siehe');
  expect(note.text).toMatch(/\/notify\/[A-Za-z0-9_-]{43}/);
  // The client chooses the daily summary for messages: the next one sends no mail.
  await page.getByTestId('portal-notify').locator('summary').click();
  await page.getByTestId('pref-message').getByLabel('Tägliche Zusammenfassung').check();
  await page.getByTestId('portal-notify').getByTestId('save-prefs').click();
  await expect(page.getByText('Ihre Auswahl ist gespeichert.')).toBeVisible();
  const before = (await mailsTo('portal@kundin.de')).length;
  await staff.getByTestId('chat-input').fill('Noch eine Frage');
  await staff.getByTestId('chat-send').click();
  await expect(page.getByTestId('chat-messages')).toContainText('Noch eine Frage');
  await page.waitForTimeout(2_000);
  expect((await mailsTo('portal@kundin.de')).length).toBe(before);

  // Written while offline: queued, retried, stored once.
  await page.context().setOffline(true);
  await page.getByTestId('chat-input').fill('Offline geschrieben');
  await page.getByTestId('chat-send').click();
  await expect(page.getByTestId('chat-pending')).toContainText('Noch nicht gesendet');
  await page.context().setOffline(false);
  await expect(page.getByTestId('chat-messages')).toContainText('Offline geschrieben', { timeout: 20_000 });
  await expect(page.getByTestId('chat-pending')).toHaveCount(0);
  await expect(staff.getByTestId('chat-message').filter({ hasText: 'Offline geschrieben' })).toHaveCount(1);

  // A file attached in the chat takes the same resumable, encrypted path; staff get it live.
  const chat = page.getByTestId('chat');
  await chat.getByTestId('chat-attach').click();
  await chat.getByTestId('file-input').setInputFiles({
    name: 'Quittung.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.7\n%%EOF\n'),
  });
  await expect(chat.getByTestId('upload-status')).toHaveText('Hochgeladen ✓');
  await expect(chat.getByTestId('chat-file').filter({ hasText: 'Quittung.pdf' })).toBeVisible();
  const attached = staff.getByTestId('chat-file').filter({ hasText: 'Quittung.pdf' });
  await expect(attached).toBeVisible();
  await expect(attached.getByRole('link')).toHaveAttribute('href', /^\/api\/files\/[0-9a-f-]+\/download$/);

  // Staff see the file on the case; a Rückfrage reaches the client.
  await staff.goto(`/cases/${caseId}`);
  await hydrated(staff);
  await expect(staff.getByText('Ausweis.pdf')).toBeVisible();
  const itemId = (await api(staff, 'get_case', { id: caseId })).items[0].id;
  await api(staff, 'review_item', { item_id: itemId, decision: 'rueckfrage', comment: 'Bitte auch die Rückseite.' });
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('public-item-comment')).toContainText('Bitte auch die Rückseite.');

  // Staff revoke the access: the phone's next page load is the login page.
  await staff.goto(`/clients/${clientId}`);
  await hydrated(staff);
  await expect(staff.getByTestId('portal-sessions')).toContainText('1');
  await staff.getByTestId('toggle-portal').click();
  await expect(staff.getByTestId('portal-access')).toContainText('Kein Portalzugang');
  await page.reload();
  await expect(page).toHaveURL(/\/portal\/login$/);
  await staffContext.close();
});

test('a phone opening the portal downloads the portal code only; staff pages load theirs when opened', async ({ page, browser }) => {
  test.setTimeout(90_000);
  const wasmOf = (p: import('@playwright/test').Page) => {
    const files: string[] = [];
    p.on('response', (r) => {
      const file = new URL(r.url()).pathname.split('/').pop() ?? '';
      if (file.endsWith('.wasm')) files.push(file);
    });
    return files;
  };
  const staffContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'de-DE' });
  const staff = await staffContext.newPage();
  const staffWasm = wasmOf(staff);
  await login(staff);
  await createClientApi(staff, 'Bündel Kundin', 'buendel@kundin.de');

  // The phone: the sign-in pages and the portal home — with its approvals, hours and chat,
  // which render after the first paint — are all in the main module: no chunk, no staff page.
  const phoneWasm = wasmOf(page);
  await portalLogin(page, 'buendel@kundin.de');
  await expect(page.getByTestId('portal-client')).toHaveText('Bündel Kundin');
  await expect(page.locator('#h-chat')).toBeVisible();
  expect(phoneWasm.length).toBeGreaterThan(0);
  expect(phoneWasm.every((f) => f === 'kundenportal.wasm')).toBe(true);

  // A secondary portal page is a chunk of its own, fetched when it is opened.
  await page.getByTestId('portal-invoices-link').click();
  await expect(page).toHaveURL(/\/portal\/invoices$/);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect.poll(() => phoneWasm.filter((f) => f.startsWith('split_')).length).toBe(1);
  expect(phoneWasm.find((f) => f.startsWith('split_'))).toMatch(/^split___portal_invoices_view_/);

  // Staff pages came as chunks besides the main module.
  expect(staffWasm).toContain('kundenportal.wasm');
  expect(staffWasm.some((f) => f.startsWith('split_'))).toBe(true);
});

test('a long-standing client sees the newest ten files at home and opens the whole list on the phone', async ({ page, browser }) => {
  test.setTimeout(60_000);
  const staffContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'de-DE' });
  const staff = await staffContext.newPage();
  await login(staff);
  const clientId = await (await createClientApi(staff, 'Akten Kundin', 'akten@kundin.de')).json();
  // Twelve documents from the firm, one after the other (the newest is Bescheid 12).
  for (let i = 1; i <= 12; i++) {
    const n = String(i).padStart(2, '0');
    await sendFile(staff, clientId, `Bescheid ${n}.pdf`, Buffer.from(`%PDF-1.7\n% Bescheid ${n}\n%%EOF\n`));
  }
  await staffContext.close();

  await portalLogin(page, 'akten@kundin.de');
  const sent = page.getByTestId('portal-sent');
  await expect(sent.getByTestId('portal-file')).toHaveCount(10);
  await expect(sent).toContainText('Bescheid 12.pdf');
  await expect(sent).not.toContainText('Bescheid 01.pdf');
  const all = page.getByTestId('portal-files-all');
  await expect(all).toHaveText('Alle 12 Dateien anzeigen');

  // After hydration the link navigates in the page: the whole list, and no link any more.
  await all.click();
  await expect(page).toHaveURL(/\/portal\?dateien=alle#h-sent$/);
  await expect(sent.getByTestId('portal-file')).toHaveCount(12);
  await expect(sent).toContainText('Bescheid 01.pdf');
  await expect(page.getByTestId('portal-files-all')).toHaveCount(0);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
});
