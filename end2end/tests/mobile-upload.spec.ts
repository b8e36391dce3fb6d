import { test, expect } from '@playwright/test';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, createClientApi, hydrated, login } from './helpers';

test('a phone uploads 50 MB through a link, survives a cut connection, and staff get identical bytes', async ({ page, browser }) => {
  test.setTimeout(180_000);
  // Staff (desktop) create a client and an upload link.
  const staffContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'de-DE' });
  const staff = await staffContext.newPage();
  await login(staff);
  const res = await createClientApi(staff, 'Upload Kunde GmbH', 'upload@kunde.de');
  const clientId = await res.json();
  await staff.goto(`/clients/${clientId}`);
  await hydrated(staff);
  await staff.getByText('Upload-Link erstellen').click();
  await staff.locator('#link-f-title').fill('Jahresabschluss 2025');
  await staff.locator('#link-f-message').fill('Bitte laden Sie den Jahresabschluss hoch.');
  await staff.getByRole('button', { name: 'Link erstellen' }).click();
  const url = (await staff.getByTestId('new-link-url').textContent())!.trim();
  expect(url).toMatch(/\/u\/[A-Za-z0-9_-]{43}$/);
  await expect(staff.getByTestId('links')).toContainText('Jahresabschluss 2025');

  // The client on a phone: the link's page, the firm's name and message.
  await page.goto(url);
  await expect(page.getByTestId('firm-name')).toHaveText('Kanzlei Test & Partner');
  await expect(page.getByText('Bitte laden Sie den Jahresabschluss hoch.')).toBeVisible();
  await hydrated(page);
  // Cut the connection once in the middle of the upload.
  let patches = 0;
  let aborted = false;
  await page.route('**/api/uploads/**', async (route) => {
    if (route.request().method() === 'PATCH' && ++patches === 4 && !aborted) {
      aborted = true;
      return route.abort('connectionreset');
    }
    return route.continue();
  });
  const content = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(50 * 1024 * 1024 - 9)]);
  const sha = createHash('sha256').update(content).digest('hex');
  // Playwright passes buffers up to 50 MB only; a file on disk has no limit.
  const path = join(mkdtempSync(join(tmpdir(), 'kp-e2e-')), 'Jahresabschluss.pdf');
  writeFileSync(path, content);
  await page.getByTestId('file-input').setInputFiles(path);
  const item = page.getByTestId('upload-item');
  await expect(item).toContainText('Jahresabschluss.pdf');
  await expect(item.getByTestId('upload-status')).toHaveText('Hochgeladen ✓', { timeout: 150_000 });
  expect(aborted).toBe(true);
  expect(patches).toBeGreaterThan(13);
  // Nothing is wider than the phone.
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);

  // Staff see the file, mark it geprüft and download identical bytes.
  await staff.reload();
  await hydrated(staff);
  const file = staff.getByTestId('received-files').locator('li', { hasText: 'Jahresabschluss.pdf' });
  await expect(file).toContainText('50,0 MB');
  await expect(file).toContainText('neu');
  await file.getByText('Prüfen').click();
  await file.getByLabel('Prüfstatus').selectOption('geprueft');
  await file.getByRole('button', { name: 'Speichern' }).click();
  await expect(file.locator('.badge-review-geprueft')).toHaveText('geprüft');
  await expect(staff.locator('.page-head .badge')).toHaveText('Teilweise');
  const id = await file.getAttribute('data-file-id');
  const download = await staff.request.get(`/api/files/${id}/download`);
  expect(download.status()).toBe(200);
  expect(createHash('sha256').update(await download.body()).digest('hex')).toBe(sha);
  await staffContext.close();
});

test('an unknown or revoked link says so clearly', async ({ page }) => {
  await page.goto('/u/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  await expect(page.getByTestId('link-blocked')).toContainText('nicht gültig');
  await expect(page.getByTestId('file-input')).toHaveCount(0);
});

test('a full server disk is explained while the upload waits, and the upload completes once there is room', async ({ page, browser }) => {
  test.setTimeout(60_000);
  const staff = await (await browser.newContext({ locale: 'de-DE' })).newPage();
  await login(staff);
  const clientId = await (await createClientApi(staff, 'Speicher voll GmbH', 'voll@kunde.de')).json();
  const link = await api(staff, 'create_upload_link', { client_id: clientId, title: 'Belege' });

  await page.goto(new URL(link.url).pathname);
  await hydrated(page);
  // The server's answer on a full disk (tests/it/disk.rs checks the server gives it) for
  // every PATCH until the test has seen the widget explain it.
  const sentence = 'Der Speicher des Servers ist gerade voll oder schreibgeschützt. Es ist nichts verloren gegangen – bitte versuchen Sie es etwas später erneut.';
  let full = true;
  let refused = 0;
  await page.route('**/api/uploads/**', async (route) => {
    if (full && route.request().method() === 'PATCH') {
      refused++;
      return route.fulfill({
        status: 507,
        headers: { 'Tus-Resumable': '1.0.0', 'Upload-Error': 'storage_full', 'Content-Type': 'text/plain; charset=utf-8' },
        body: sentence,
      });
    }
    return route.continue();
  });
  const content = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(3 * 1024 * 1024)]);
  await page.getByTestId('file-input').setInputFiles({ name: 'Belege.pdf', mimeType: 'application/pdf', buffer: content });
  const item = page.getByTestId('upload-item');
  await expect(item.getByRole('alert')).toHaveText(sentence);
  await expect(item.getByTestId('upload-status')).toContainText('neuer Versuch');
  expect(refused).toBeGreaterThan(0);
  // Room again: the next attempt goes through and the file arrives whole.
  full = false;
  await expect(item.getByTestId('upload-status')).toHaveText('Hochgeladen ✓', { timeout: 30_000 });
  await expect(item.getByRole('alert')).toHaveCount(0);
  const files = await api(staff, 'list_client_files', { client_id: clientId });
  const file = files.find((f: { name: string }) => f.name === 'Belege.pdf');
  expect(file.size).toBe(content.length);
  const download = await staff.request.get(`/api/files/${file.id}/download`);
  expect(createHash('sha256').update(await download.body()).digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));
});
