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

/** Mails the app sent to `to` over SMTP, as the catcher received them (oldest first). */
export async function mailsTo(to: string): Promise<Mail[]> {
  const res = await fetch(`http://127.0.0.1:3126/messages?to=${encodeURIComponent(to)}`);
  return res.json();
}

type Mail = { subject: string; text: string; html: string };

/** Waits for the first mail to `to` that `wanted` accepts and returns it. */
export async function waitForMail(to: string, wanted: (m: Mail) => boolean = () => true) {
  for (let i = 0; i < 100; i++) {
    const found = (await mailsTo(to)).find(wanted);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no such mail to ${to}`);
}

/** Calls a server function as the page's browser (JSON back). */
export async function api(page: Page, endpoint: string, form: Record<string, string>) {
  const res = await page.request.post(`/api/${endpoint}`, { form, headers: { Accept: 'application/json' } });
  expect(res.ok(), `${endpoint}: ${await res.text()}`).toBe(true);
  return res.json();
}

/** Signs a client in to the portal in `page` through a real magic-link mail. */
export async function portalLogin(page: Page, email: string) {
  const before = (await mailsTo(email)).length;
  const res = await page.request.post('/api/request_portal_link', {
    form: { email },
    headers: { Accept: 'application/json' },
  });
  expect(res.ok()).toBe(true);
  let link = '';
  for (let i = 0; i < 100 && !link; i++) {
    const mails = await mailsTo(email);
    const mail = mails.slice(before).find((m) => m.text.includes('/portal/m/'));
    link = mail?.text.match(/http:\/\/\S+\/portal\/m\/[A-Za-z0-9_-]{43}/)?.[0] ?? '';
    if (!link) await new Promise((r) => setTimeout(r, 100));
  }
  expect(link, `magic link mail to ${email}`).not.toBe('');
  await page.goto(link);
  await hydrated(page);
  await page.getByTestId('magic-sign-in').click();
  await expect(page).toHaveURL(/\/portal$/);
  await hydrated(page);
}
