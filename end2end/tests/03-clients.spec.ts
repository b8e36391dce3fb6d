import { test, expect } from '@playwright/test';
import { createClientApi, hydrated, login } from './helpers';

test.describe.configure({ mode: 'serial' });

test('create a client with only a name; bad email is refused next to the field', async ({ page }) => {
  await login(page);
  await page.getByRole('link', { name: 'Neuer Kunde' }).first().click();
  await expect(page).toHaveURL(/\/clients\/new$/);
  await hydrated(page);

  await page.getByRole('button', { name: 'Kunden anlegen' }).click();
  await expect(page.locator('#f-name-error')).toHaveText('Bitte füllen Sie dieses Feld aus.');
  await page.locator('#f-name').fill('Schmidt AG');
  await page.locator('#f-email').fill('buchhaltung@schmidt');
  await page.getByRole('button', { name: 'Kunden anlegen' }).click();
  await expect(page.locator('#f-email-error')).toContainText('gültige E-Mail-Adresse');

  await page.locator('#f-email').fill('');
  await page.getByRole('button', { name: 'Kunden anlegen' }).click();
  await expect(page).toHaveURL(/\/clients\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Schmidt AG' })).toBeVisible();
  await expect(page.locator('.page-head .badge')).toHaveText('Offen');
  await expect(page.getByTestId('activity')).toContainText('Kunde angelegt');
});

test('a likely duplicate is warned about and can be created anyway', async ({ page }) => {
  await login(page);
  await page.goto('/clients/new');
  await hydrated(page);
  await page.locator('#f-name').fill('Schmidt AG');
  await page.getByRole('button', { name: 'Kunden anlegen' }).click();
  await expect(page.getByRole('alert')).toContainText('Es gibt bereits einen Kunden');
  await page.getByLabel('Trotzdem neu anlegen').check();
  await page.getByRole('button', { name: 'Kunden anlegen' }).click();
  await expect(page).toHaveURL(/\/clients\/[0-9a-f-]{36}$/);
});

test('search across name, email and company combined with a status filter; the query lives in the URL', async ({ page }) => {
  await login(page);
  for (const [name, email, company] of [
    ['Weber, Anna', 'anna.weber@gmail.com', ''],
    ['Müller & Partner', 'kontakt@mueller-partner.de', 'Müller & Partner Steuerberatung'],
    ['Fischer, Thomas', 't.fischer@gmail.com', 'Fischer Elektrotechnik'],
  ]) {
    expect((await createClientApi(page, name, email, company)).ok()).toBeTruthy();
  }
  await page.goto('/clients');
  await hydrated(page);
  const table = page.getByTestId('client-table');
  await page.getByLabel('Suche').fill('@gmail.com');
  await page.getByRole('button', { name: 'Suchen' }).click();
  await expect(page).toHaveURL(/q=%40gmail\.com/);
  await expect(table.locator('tbody tr')).toHaveCount(2);
  await expect(table).toContainText('Weber, Anna');
  await expect(table).toContainText('Fischer, Thomas');

  // Company search, case-insensitive with umlauts.
  await page.getByLabel('Suche').fill('MÜLLER');
  await page.getByRole('button', { name: 'Suchen' }).click();
  await expect(table.locator('tbody tr')).toHaveCount(1);
  await expect(table).toContainText('Müller & Partner');

  // The URL survives a reload.
  await page.reload();
  await expect(page.getByLabel('Suche')).toHaveValue('MÜLLER');
  await expect(table.locator('tbody tr')).toHaveCount(1);

  // Status filter combined with search: nothing is "Vollständig" yet.
  await hydrated(page);
  await page.getByLabel('Status').selectOption('vollstaendig');
  await page.getByRole('button', { name: 'Suchen' }).click();
  await expect(page.getByRole('heading', { name: 'Keine Treffer' })).toBeVisible();
  await page.getByRole('link', { name: 'Filter zurücksetzen' }).click();
  await expect(table.locator('tbody tr')).toHaveCount(5);
});

test('edit contact data, change status, add an internal note, then delete with confirmation', async ({ page }) => {
  await login(page);
  await page.goto('/clients?q=Weber');
  await page.getByRole('link', { name: 'Weber, Anna' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Weber, Anna' })).toBeVisible();
  await hydrated(page);

  await page.getByText('Bearbeiten').click();
  await page.locator('#edit-f-company').fill('Weber Design');
  await page.locator('#edit-f-email').fill('kein@mail');
  await page.getByRole('button', { name: 'Speichern', exact: true }).click();
  await expect(page.locator('#edit-f-email-error')).toContainText('gültige E-Mail-Adresse');
  await page.locator('#edit-f-email').fill('anna@weber-design.de');
  await page.getByRole('button', { name: 'Speichern', exact: true }).click();
  await expect(page.locator('.dl')).toContainText('Weber Design');
  await expect(page.locator('.dl')).toContainText('anna@weber-design.de');

  await page.getByLabel(/Vollständig/).check();
  await page.getByRole('button', { name: 'Status setzen' }).click();
  await expect(page.locator('.page-head .badge')).toHaveText('Vollständig');
  await expect(page.getByTestId('activity')).toContainText('Offen → Vollständig');

  await page.locator('#f-body').fill('Rückruf wegen Vollmacht am Montag.');
  await page.getByRole('button', { name: 'Notiz hinzufügen' }).click();
  await expect(page.getByTestId('notes')).toContainText('Rückruf wegen Vollmacht am Montag.');
  await expect(page.getByTestId('notes')).toContainText('Olga Owner');

  await page.getByRole('button', { name: 'Kunden löschen' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('„Weber, Anna“ endgültig löschen?');
  await expect(dialog).toContainText('Notizen');
  await dialog.getByRole('button', { name: 'Abbrechen' }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole('button', { name: 'Kunden löschen' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Endgültig löschen' }).click();
  await expect(page).toHaveURL(/\/clients$/);
  await expect(page.getByTestId('client-table')).not.toContainText('Weber, Anna');
  // The deleted client's page is gone.
  await page.goBack();
  await expect(page.getByRole('heading', { name: 'Seite nicht gefunden' })).toBeVisible();
});

test('without JavaScript: create with an error shown next to the field, then delete through the confirmation', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  // login() waits for hydration, which never comes without JavaScript: log in by form.
  await page.goto('/login');
  await page.locator('#f-email').fill('owner@kanzlei-test.de');
  await page.locator('#f-password').fill('ein-sehr-geheimes-passwort');
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await expect(page).toHaveURL(/:3100\/$/);

  await page.goto('/clients/new');
  await page.locator('#f-email').fill('ohne-js@beispiel');
  await page.locator('#f-name').fill('Ohne JavaScript GmbH');
  await page.getByRole('button', { name: 'Kunden anlegen' }).click();
  await expect(page.locator('#f-email-error')).toContainText('gültige E-Mail-Adresse');
  await page.locator('#f-name').fill('Ohne JavaScript GmbH');
  await page.locator('#f-email').fill('');
  await page.getByRole('button', { name: 'Kunden anlegen' }).click();
  await expect(page).toHaveURL(/\/clients\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Ohne JavaScript GmbH' })).toBeVisible();

  await page.getByRole('button', { name: 'Kunden löschen' }).click();
  await expect(page).toHaveURL(/\?confirm=delete$/);
  await page.getByRole('dialog').getByRole('button', { name: 'Endgültig löschen' }).click();
  await expect(page).toHaveURL(/\/clients$/);
  await expect(page.getByTestId('client-table')).not.toContainText('Ohne JavaScript GmbH');
  await context.close();
});
