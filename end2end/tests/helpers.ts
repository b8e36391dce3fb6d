import { expect, Page } from '@playwright/test';

export const OWNER = {
  firm: 'Kanzlei Test & Partner',
  name: 'Olga Owner',
  email: 'owner@kanzlei-test.de',
  password: 'ein-sehr-geheimes-passwort',
};

/** Waits until the WASM client has hydrated the page, so clicks reach live handlers. */
export async function hydrated(page: Page) {
  await expect(page.locator('#app')).toHaveAttribute('data-hydrated', 'true', { timeout: 30_000 });
}

export async function login(page: Page, email = OWNER.email, password = OWNER.password) {
  await page.goto('/login');
  await hydrated(page);
  await page.locator('#f-email').fill(email);
  await page.locator('#f-password').fill(password);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  // Staff land on the overview; most tests start from the client list.
  await expect(page).toHaveURL(/:3100\/$/);
  await page.goto('/clients');
  await hydrated(page);
}

/** Creates a client through the same server function the form uses (fast test setup). */
export async function createClientApi(page: Page, name: string, email = '', company = '') {
  const res = await page.request.post('/api/create_client', {
    form: { name, email, company, allow_duplicate: '1' },
    headers: { Accept: 'application/json' },
  });
  return res;
}
