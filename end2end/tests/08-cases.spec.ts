import { test, expect } from '@playwright/test';
import { createClientApi, hydrated, login } from './helpers';

const json = { Accept: 'application/json' };

test('a case from a template is collected on a phone, live on the staff page, and completes the client', async ({ page, browser }) => {
  test.setTimeout(120_000);
  await login(page);

  // A template with three requested documents (set up through the server functions).
  const source = await (await createClientApi(page, 'Vorlagen-Quelle', '')).json();
  const sourceCase = await (await page.request.post('/api/create_case', { form: { client_id: source, title: 'Einkommensteuer 2025' }, headers: json })).json();
  for (const [title, required] of [['Vollmacht', '1'], ['Lohnsteuerbescheinigung', '1'], ['Sonstige Belege', '']]) {
    const r = await page.request.post('/api/add_case_item', {
      form: { case_id: sourceCase, title, required, explanation: title === 'Vollmacht' ? 'Bitte unterschreiben Sie die angeforderte Vollmacht.' : '' },
      headers: json,
    });
    expect(r.status()).toBe(200);
  }
  const tpl = await page.request.post('/api/save_case_template', { form: { case_id: sourceCase, name: 'Einkommensteuer' }, headers: json });
  expect(tpl.status()).toBe(200);

  // Staff open a case from the template on the client's page.
  const clientId = await (await createClientApi(page, 'Familie Vorgang', 'vorgang@kunde.de')).json();
  await page.goto(`/clients/${clientId}`);
  await hydrated(page);
  await page.getByText('Neuer Vorgang').click();
  await page.locator('#case-template').selectOption({ label: 'Einkommensteuer' });
  await page.getByRole('button', { name: 'Vorgang anlegen' }).click();
  await expect(page).toHaveURL(/\/cases\//);
  await hydrated(page);
  await expect(page.getByTestId('case-title')).toHaveText('Einkommensteuer 2025');
  const items = page.getByTestId('item');
  await expect(items).toHaveCount(3);
  await expect(page.getByTestId('progress').first()).toHaveText('0 von 2 geprüft');
  // Closing is refused, and the page says what is missing.
  await expect(page.getByTestId('case-missing')).toContainText('Vollmacht, Lohnsteuerbescheinigung');

  // A link bound to the case.
  await page.getByText('Upload-Link erstellen').click();
  await page.getByRole('button', { name: 'Link erstellen' }).click();
  const url = (await page.getByTestId('new-link-url').textContent())!.trim();

  // A colleague watches the overview.
  const dashboard = await page.context().newPage();
  await dashboard.goto('/');
  await hydrated(dashboard);
  await expect(dashboard.getByTestId('progress-table')).toContainText('Familie Vorgang');
  const reviewBefore = Number(await dashboard.getByTestId('kpi-review').locator('.kpi-value').textContent());

  // The client, on a phone, sees the checklist and uploads two documents.
  const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, locale: 'de-DE' });
  const client = await phone.newPage();
  await client.goto(url);
  await hydrated(client);
  const publicItems = client.getByTestId('public-item');
  await expect(publicItems).toHaveCount(3);
  await expect(publicItems.first()).toContainText('Bitte unterschreiben Sie die angeforderte Vollmacht.');
  const scrollWidth = await client.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth).toBeLessThanOrEqual(375);
  const vollmacht = publicItems.filter({ hasText: 'Vollmacht' });
  await vollmacht.getByTestId('file-input').setInputFiles({ name: 'Vollmacht.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\nVollmacht\n%%EOF\n') });
  await expect(vollmacht.getByTestId('upload-status')).toHaveText('Hochgeladen ✓');
  await expect(vollmacht.getByTestId('item-state')).toHaveText('hochgeladen');

  // The staff page follows live, without a reload.
  const staffItem = (title: string) => items.filter({ has: page.getByTestId('item-title').getByText(title, { exact: true }) });
  const staffVollmacht = staffItem('Vollmacht');
  await expect(staffVollmacht.getByTestId('item-state')).toHaveText('hochgeladen', { timeout: 5_000 });

  // ... and so does the overview: the feed names client and file, the figures move.
  await expect(dashboard.getByTestId('feed').locator('li').first()).toContainText('Familie Vorgang — Vollmacht.pdf', { timeout: 5_000 });
  await expect(dashboard.getByTestId('kpi-review').locator('.kpi-value')).toHaveText(String(reviewBefore + 1));
  await expect(dashboard.getByTestId('chart-uploads')).toBeVisible();

  const lohn = publicItems.filter({ hasText: 'Lohnsteuerbescheinigung' });
  await lohn.getByTestId('file-input').setInputFiles({ name: 'LStB.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\nLStB\n%%EOF\n') });
  await expect(lohn.getByTestId('upload-status')).toHaveText('Hochgeladen ✓');
  const staffLohn = staffItem('Lohnsteuerbescheinigung');
  await expect(staffLohn.getByTestId('item-state')).toHaveText('hochgeladen', { timeout: 5_000 });

  // Staff ask back about the Vollmacht; the client sees the question and answers with a new file.
  await staffVollmacht.locator('summary', { hasText: 'Rückfrage' }).click();
  await staffVollmacht.locator('textarea').fill('Bitte auch auf Seite 2 unterschreiben.');
  await staffVollmacht.getByTestId('item-ask-submit').click();
  await expect(staffVollmacht.getByTestId('item-state')).toHaveText('Rückfrage');
  await client.reload();
  await hydrated(client);
  const asked = client.getByTestId('public-item').filter({ hasText: 'Vollmacht' });
  await expect(asked.getByTestId('public-item-comment')).toHaveText('Rückfrage: Bitte auch auf Seite 2 unterschreiben.');
  await asked.getByTestId('file-input').setInputFiles({ name: 'Vollmacht-unterschrieben.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\nVollmacht 2\n%%EOF\n') });
  await expect(asked.getByTestId('upload-status')).toHaveText('Hochgeladen ✓');
  await expect(staffVollmacht.getByTestId('item-state')).toHaveText('hochgeladen', { timeout: 5_000 });

  // Staff approve both and close the case: the client is complete.
  await staffVollmacht.getByTestId('item-approve').click();
  await expect(staffVollmacht.getByTestId('item-state')).toHaveText('geprüft');
  await staffLohn.getByTestId('item-approve').click();
  await expect(staffLohn.getByTestId('item-state')).toHaveText('geprüft');
  await expect(page.getByTestId('progress').first()).toHaveText('2 von 2 geprüft');
  await page.getByTestId('case-close').click();
  await expect(page.getByTestId('case-state')).toHaveText('Abgeschlossen');
  await page.getByRole('link', { name: '← Familie Vorgang' }).click();
  await expect(page).toHaveURL(new RegExp(`/clients/${clientId}$`));
  await expect(page.locator('.page-head .badge')).toHaveText('Vollständig');
  await expect(page.getByTestId('cases')).toContainText('Abgeschlossen');

  // The client's page says the case is complete.
  await client.reload();
  await expect(client.getByText('Dieser Vorgang ist abgeschlossen. Vielen Dank!')).toBeVisible();
  await phone.close();
});
