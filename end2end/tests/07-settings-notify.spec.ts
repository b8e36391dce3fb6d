import { test, expect } from '@playwright/test';
import { createClientApi, hydrated, login } from './helpers';

test('owner limits file types, the client is told at once, staff see the upload on the bell', async ({ page, browser }) => {
  await login(page);
  // Uploads of earlier tests are old news.
  await page.request.post('/api/mark_notifications_read', { headers: { Accept: 'application/json' } });
  // A malformed allow-list is refused with the entry named, next to the field.
  await page.goto('/settings');
  await hydrated(page);
  await page.locator('#f-allowed_types').fill('pdf, *.exe');
  await page.getByTestId('save-file-types').click();
  await expect(page.locator('#f-allowed_types-error')).toContainText('„*.exe“ ist keine Dateiendung');
  await page.locator('#f-allowed_types').fill('PDF, .txt');
  await page.getByTestId('save-file-types').click();
  await expect(page.getByText('Gespeichert.')).toBeVisible();
  await page.reload();
  await expect(page.locator('#f-allowed_types')).toHaveValue('pdf, txt');

  const clientId = await (await createClientApi(page, 'Bell & Co KG', 'bell@kunde.de')).json();
  const link = await page.request.post('/api/create_upload_link', {
    form: { client_id: clientId },
    headers: { Accept: 'application/json' },
  });
  const { url } = await link.json();

  // The client's page names the allowed types and refuses a wrong one without uploading it.
  const client = await (await browser.newContext({ locale: 'de-DE' })).newPage();
  await client.goto(url);
  await expect(client.getByTestId('allowed-types')).toContainText('pdf, txt');
  await hydrated(client);
  await client.getByTestId('file-input').setInputFiles({ name: 'setup.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ') });
  await expect(client.getByTestId('upload-item').filter({ hasText: 'setup.exe' })).toContainText('Dateien vom Typ „.exe“ nimmt die Kanzlei nicht an. Erlaubt sind: pdf, txt.');
  await client.getByTestId('file-input').setInputFiles({ name: 'Kontoauszug.txt', mimeType: 'text/plain', buffer: Buffer.from('Saldo: 42 EUR\n') });
  await expect(client.getByTestId('upload-item').filter({ hasText: 'Kontoauszug.txt' }).getByTestId('upload-status')).toHaveText('Hochgeladen ✓');

  // Staff: the bell counts it; the list says who sent what and leads to the client.
  await page.goto('/clients');
  await hydrated(page);
  await expect(page.getByTestId('bell-count')).toHaveText('1');
  await page.getByTestId('bell').click();
  await expect(page).toHaveURL(/\/notifications$/);
  const list = page.getByTestId('notifications');
  await expect(list).toContainText('Bell & Co KG hat „Kontoauszug.txt“ hochgeladen');
  await page.getByTestId('mark-read').click();
  await expect(page.getByTestId('bell-count')).toHaveCount(0);
  await list.getByRole('link', { name: /Kontoauszug/ }).click();
  await expect(page).toHaveURL(new RegExp(`/clients/${clientId}$`));

  // Back to every type, so other tests are unaffected.
  await page.goto('/settings');
  await hydrated(page);
  await page.locator('#f-allowed_types').fill('');
  await page.getByTestId('save-file-types').click();
  await expect(page.getByText('Gespeichert.')).toBeVisible();
});
