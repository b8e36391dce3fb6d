import { test, expect } from '@playwright/test';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClientApi, hydrated, login } from './helpers';

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
