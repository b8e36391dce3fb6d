import { test, expect } from '@playwright/test';
import { createClientApi, hydrated, login } from './helpers';

const json = { Accept: 'application/json' };

test('a template is started for several clients at once from the templates page', async ({ page }) => {
  await login(page);
  const source = await (await createClientApi(page, 'Vorlagenmandant Quelle', '')).json();
  const caseId = await (await page.request.post('/api/create_case', { form: { client_id: source, title: 'Mieterbewerbung' }, headers: json })).json();
  await page.request.post('/api/add_case_item', { form: { case_id: caseId, title: 'Gehaltsnachweise', required: '1' }, headers: json });

  // Saved from the case page.
  await page.goto(`/cases/${caseId}`);
  await hydrated(page);
  await page.locator('#tpl-f-name').fill('Mieterbewerbung');
  await page.getByRole('button', { name: 'Vorlage speichern' }).click();
  await expect(page.getByText('Vorlage gespeichert', { exact: true })).toBeVisible();
  // The same name again is refused next to the field.
  await page.getByRole('button', { name: 'Vorlage speichern' }).click();
  await expect(page.locator('#tpl-f-name-error')).toHaveText('Eine Vorlage mit diesem Namen gibt es schon.');

  const a = await (await createClientApi(page, 'Bewerber Anton', '')).json();
  const b = await (await createClientApi(page, 'Bewerberin Berta', '')).json();

  await page.goto('/templates');
  await hydrated(page);
  const card = page.getByTestId('templates').locator('section', { hasText: 'Mieterbewerbung' });
  await expect(card).toContainText('Gehaltsnachweise');
  await card.locator('summary', { hasText: 'Für Mandanten starten' }).click();
  // Nothing chosen: the page says so.
  await card.getByRole('button', { name: 'Vorgänge anlegen' }).click();
  await expect(card.getByRole('alert')).toHaveText('Bitte mindestens einen Mandanten auswählen.');
  await card.getByRole('searchbox').fill('Bewerber');
  await card.getByLabel('Bewerber Anton').check();
  await card.getByLabel('Bewerberin Berta').check();
  await card.getByRole('button', { name: 'Vorgänge anlegen' }).click();
  await expect(card.getByTestId('template-started')).toHaveText('2 Vorgänge angelegt.');

  for (const client of [a, b]) {
    await page.goto(`/clients/${client}`);
    await expect(page.getByTestId('cases')).toContainText('Mieterbewerbung');
    await expect(page.getByTestId('cases')).toContainText('0 von 1 geprüft');
  }
});
