import { test, expect } from '@playwright/test';
import { createClientApi, hydrated, login, waitForMail } from './helpers';

test('staff draft an invoice line by line, send it to the client and mark it paid', async ({ page }) => {
  await login(page);
  const clientId = await (await createClientApi(page, 'Rechnung Kunde GmbH', 'rechnung@kunde.de')).json();

  // The firm's billing details, printed on what it sends.
  await page.goto('/settings');
  await hydrated(page);
  const billing = page.getByTestId('billing-card');
  await billing.locator('#bill-f-terms_days').fill('0');
  await billing.getByTestId('billing-save').click();
  await expect(billing.locator('#bill-f-terms_days-error')).toContainText('1 bis 365');
  await billing.locator('#bill-f-address').fill('Kanzlei Test & Partner\nHauptstraße 1\n10115 Berlin');
  await billing.locator('#bill-f-tax_id').fill('DE123456789');
  await billing.locator('#bill-f-terms_days').fill('14');
  await billing.getByTestId('billing-save').click();
  await expect(page.getByText('Gespeichert')).toBeVisible();

  // A new invoice from the client's page.
  await page.goto(`/clients/${clientId}`);
  await hydrated(page);
  await page.getByTestId('client-invoices').getByTestId('new-invoice').click();
  await expect(page).toHaveURL(/\/invoices\/[0-9a-f-]{36}$/);
  await hydrated(page);
  await expect(page.getByTestId('invoice-title')).toHaveText('Rechnung (Entwurf)');

  // A price with three decimals is explained next to its field; the corrected line adds up.
  await page.locator('#line-f-description').fill('Steuerberatung');
  await page.locator('#line-f-quantity').fill('1,5');
  await page.locator('#line-f-unit_price').fill('12,345');
  await page.getByTestId('invoice-add-line').click();
  await expect(page.locator('#line-f-unit_price-error')).toContainText('zwei Nachkommastellen');
  await page.locator('#line-f-unit_price').fill('120,00');
  await page.getByTestId('invoice-add-line').click();
  await expect(page.getByTestId('invoice-lines')).toContainText('Steuerberatung');
  // 1,5 × 120,00 € = 180,00 € + 19 % = 214,20 €.
  await expect(page.getByTestId('invoice-gross')).toHaveText(/^214,20\s€$/);

  // Sent: numbered, with the firm's address; the client gets the portal link by mail.
  await page.getByTestId('invoice-send').click();
  await expect(page.getByTestId('invoice-state')).toHaveText('Versendet');
  const title = await page.getByTestId('invoice-title').textContent();
  expect(title).toMatch(/^Rechnung \d{4}-\d{4}$/);
  const number = title!.replace('Rechnung ', '');
  await expect(page.getByTestId('invoice-document')).toContainText('Hauptstraße 1');
  await expect(page.getByTestId('invoice-document')).toContainText('DE123456789');
  await expect(page.getByTestId('invoice-add-line')).toHaveCount(0);
  const mail = await waitForMail('rechnung@kunde.de', (m) => m.subject.includes(number));
  expect(mail.text).toMatch(/http:\/\/127\.0\.0\.1:3100\/portal/);

  // Paid by transfer; the firm-wide list finds it under "Bezahlt".
  await page.getByTestId('invoice-paid').click();
  await expect(page.getByTestId('invoice-state')).toHaveText('Bezahlt');
  await page.goto('/invoices?state=paid');
  await hydrated(page);
  const row = page.getByTestId('invoice-table').locator('tr', { hasText: number });
  await expect(row).toContainText('Rechnung Kunde GmbH');
  await expect(row).toContainText('Bezahlt');
  await page.goto('/invoices?state=overdue');
  await expect(page.getByTestId('invoice-table').locator('tr', { hasText: number })).toHaveCount(0);
});
