import { test, expect, Page } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { hydrated, login, OWNER } from './helpers';
import { audit } from './a11y';

/** RFC 4648 base32 (the key as the settings page shows it, spaces allowed). */
function base32(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/\s/g, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The app's code (RFC 6238: HMAC-SHA-1, 30 s, 6 digits), `ahead` steps from now. */
function totp(key: string, ahead = 0): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + ahead));
  const h = createHmac('sha1', base32(key)).update(counter).digest();
  const at = h[h.length - 1] & 0x0f;
  return String((h.readUInt32BE(at) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

async function signIn(page: Page, email: string) {
  await page.goto('/login');
  await hydrated(page);
  await page.locator('#f-email').fill(email);
  await page.locator('#f-password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Anmelden' }).click();
}

test('a member switches on two-factor sign-in; then the password alone no longer opens the account', async ({ page, browser }) => {
  await login(page);
  const email = 'zora.zwei@kanzlei-test.de';
  const invite = await (await page.request.post('/api/invite_member', {
    form: { email, role: 'member' },
    headers: { Accept: 'application/json' },
  })).json();
  const member = await (await browser.newContext({ locale: 'de-DE' })).newPage();
  const accepted = await member.request.post('/api/accept_invite', {
    form: { token: invite.link.split('/').pop(), name: 'Zora Zwei', password: OWNER.password, password_repeat: OWNER.password },
    headers: { Accept: 'application/json' },
  });
  expect(accepted.ok()).toBeTruthy();

  // Set up: QR code and key, confirmed with the app's code, ten recovery codes shown once.
  await member.goto('/settings');
  await hydrated(member);
  const card = member.getByTestId('two-factor');
  await card.getByTestId('two-factor-start').click();
  await expect(card.locator('.qr svg')).toBeVisible();
  const key = (await card.getByTestId('two-factor-secret').textContent())!;
  await card.locator('#tfc-f-code').fill('000000');
  await card.getByTestId('two-factor-confirm').click();
  await expect(card.locator('#tfc-f-code-error')).toContainText('Der Code stimmt nicht');
  await card.locator('#tfc-f-code').fill(totp(key));
  await card.getByTestId('two-factor-confirm').click();
  await expect(card.getByTestId('recovery-codes').locator('li')).toHaveCount(10);
  await expect(card.getByTestId('two-factor-on')).toBeVisible();

  // Another device: the password leads to the code page; a wrong code is refused, the next
  // code of the app signs in.
  const phone = await (await browser.newContext({ locale: 'de-DE' })).newPage();
  await signIn(phone, email);
  await expect(phone).toHaveURL(/\/login\/code$/);
  await hydrated(phone);
  await audit(phone, 'two-factor code page');
  await phone.locator('#f-code').fill('123456');
  await phone.getByTestId('login-code-submit').click();
  await expect(phone.locator('#f-code-error')).toContainText('Der Code stimmt nicht');
  await phone.locator('#f-code').fill(totp(key, 1));
  await phone.getByTestId('login-code-submit').click();
  await expect(phone).toHaveURL(/:3100\/$/);
  await expect(phone.getByTestId('current-user')).toHaveText('Zora Zwei');
});
