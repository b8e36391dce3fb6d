import { test, expect } from '@playwright/test';
import { OWNER } from './helpers';
import { audit } from './a11y';

test('first run: an empty database leads to the setup page, which creates the firm and its owner', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole('heading', { name: 'Kundenportal einrichten' })).toBeVisible();
  await audit(page, 'setup page');

  await page.locator('#f-firm').fill(OWNER.firm);
  await page.locator('#f-name').fill(OWNER.name);
  await page.locator('#f-email').fill('keine-adresse');
  await page.locator('#f-password').fill(OWNER.password);
  await page.locator('#f-password_repeat').fill(OWNER.password + 'x');
  await page.getByRole('button', { name: 'Firma anlegen' }).click();
  // The first wrong field is named next to it.
  await expect(page.locator('#f-email-error')).toContainText('gültige E-Mail-Adresse');
  await expect(page.locator('#f-email')).toHaveAttribute('aria-invalid', 'true');

  await page.locator('#f-email').fill(OWNER.email);
  await page.getByRole('button', { name: 'Firma anlegen' }).click();
  await expect(page.locator('#f-password_repeat-error')).toHaveText('Die beiden Passwörter stimmen nicht überein.');

  await page.locator('#f-password_repeat').fill(OWNER.password);
  await page.getByRole('button', { name: 'Firma anlegen' }).click();
  await expect(page).toHaveURL(/:3100\/$/);
  await expect(page.getByRole('heading', { name: 'Übersicht' })).toBeVisible();
  await expect(page.getByText('Keine offenen Vorgänge.')).toBeVisible();
  await page.goto('/clients');
  await expect(page.getByRole('heading', { name: 'Noch keine Kunden' })).toBeVisible();
  await expect(page.getByTestId('current-user')).toHaveText(OWNER.name);

  // Setup is closed once a firm exists.
  await page.goto('/setup');
  await expect(page).toHaveURL(/\/login$/);
});
