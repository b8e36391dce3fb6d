import { test, expect } from '@playwright/test';
import { createClientApi, hydrated, login } from './helpers';

test('the Solo plan allows 10 clients; the 11th is refused with a clear message and nothing is created', async ({ page }) => {
  await login(page);
  await page.goto('/team');
  const usage = await page.getByTestId('plan-usage').textContent();
  const existing = Number(usage?.match(/(\d+) von 10/)?.[1]);
  expect(existing).toBeLessThan(10);
  for (let i = existing; i < 10; i++) {
    expect((await createClientApi(page, `Limit Kunde ${i}`)).ok()).toBeTruthy();
  }
  await page.goto('/clients/new');
  await hydrated(page);
  await page.locator('#f-name').fill('Einer zu viel');
  await page.getByRole('button', { name: 'Kunden anlegen' }).click();
  await expect(page.getByRole('alert')).toContainText('umfasst höchstens 10 Kunden');
  await page.goto('/clients?q=Einer%20zu%20viel');
  await expect(page.getByRole('heading', { name: 'Keine Treffer' })).toBeVisible();

  // The owner upgrades to Pro; now it works.
  await page.goto('/team');
  await expect(page.getByTestId('plan-usage')).toHaveText('10 von 10 Kunden angelegt');
  await hydrated(page);
  await page.getByLabel('Tarif ändern').selectOption('pro');
  await page.getByRole('button', { name: 'Tarif ändern' }).click();
  await expect(page.getByTestId('plan-usage')).toHaveText('10 von 50 Kunden angelegt');
});
