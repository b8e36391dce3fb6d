import { test, expect } from '@playwright/test';
import { OWNER, hydrated, login } from './helpers';

test('wrong password is refused with a clear message, the right one logs in, logout ends the session', async ({ page }) => {
  await page.goto('/clients');
  await expect(page).toHaveURL(/\/login$/);
  await hydrated(page);
  await page.locator('#f-email').fill(OWNER.email);
  await page.locator('#f-password').fill('falsches-passwort');
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await expect(page.locator('#f-password-error')).toHaveText('E-Mail-Adresse oder Passwort ist falsch.');
  await expect(page).toHaveURL(/\/login$/);

  await login(page);
  await expect(page.getByTestId('current-user')).toHaveText(OWNER.name);
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'kp_session');
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe('Lax');

  await page.getByRole('button', { name: 'Abmelden' }).click();
  await expect(page).toHaveURL(/\/login$/);
  // The old session is gone on the server too: the staff area sends us back to login.
  await page.goto('/clients');
  await expect(page).toHaveURL(/\/login$/);
});

test('the interface switches to English and back', async ({ page }) => {
  await login(page);
  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.getByRole('heading', { name: 'Clients', exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Team & plan' })).toBeVisible();
  await hydrated(page);
  await page.getByRole('button', { name: 'Deutsch' }).click();
  await expect(page.getByRole('heading', { name: 'Kunden', exact: true })).toBeVisible();
});

test('login works without JavaScript (plain form post)', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/login');
  await page.locator('#f-email').fill(OWNER.email);
  await page.locator('#f-password').fill('falsches-passwort');
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await expect(page.locator('#f-password-error')).toHaveText('E-Mail-Adresse oder Passwort ist falsch.');
  await page.locator('#f-email').fill(OWNER.email);
  await page.locator('#f-password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await expect(page).toHaveURL(/:3100\/$/);
  await expect(page.getByRole('heading', { name: 'Übersicht', exact: true })).toBeVisible();
  await context.close();
});
