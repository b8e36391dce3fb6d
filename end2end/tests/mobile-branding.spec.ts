import { test, expect } from '@playwright/test';
import { createClientApi, hydrated, login, waitForMail } from './helpers';

const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40" onload="alert(1)">'
  + '<script>alert(2)</script><rect width="120" height="40" rx="6" fill="#7c3aed"/>'
  + '<text x="10" y="27" font-size="20" fill="#ffffff">Kanzlei</text></svg>';

test('the owner brands the portal; the client sees its colours and logo on a phone', async ({ page, browser }) => {
  test.setTimeout(90_000);
  // The owner, at a desk: colours (a wrong one is refused), welcome text, logo.
  const desk = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'de-DE' })).newPage();
  await login(desk);
  await desk.goto('/settings');
  await hydrated(desk);
  const card = desk.getByTestId('branding');
  await card.locator('#br-f-primary').fill('lila');
  await card.getByTestId('save-branding').click();
  await expect(card.locator('#br-f-primary-error')).toContainText('#RRGGBB');
  await card.locator('#br-f-primary').fill('#7c3aed');
  await card.locator('#br-f-accent').fill('#0f766e');
  await card.locator('#br-f-welcome').fill('Willkommen in unserem Mandantenportal!');
  // The preview shows the contrast of the text colour chosen for the button.
  await expect(card.getByTestId('brand-contrast')).toContainText(':1');
  await card.getByTestId('save-branding').click();
  await expect(card.locator('#br-f-primary-error')).toHaveCount(0);
  await card.locator('#br-logo').setInputFiles({ name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(LOGO) });
  await card.getByTestId('upload-logo').click();
  await expect(card.getByTestId('brand-logo')).toBeVisible();
  const logoUrl = (await card.getByTestId('brand-logo').getAttribute('src'))!;
  const served = await (await desk.request.get(logoUrl)).text();
  expect(served).toContain('<rect');
  expect(served).not.toContain('alert');
  await createClientApi(desk, 'Marken Kundin', 'marke@kundin.de');

  // The client, on a phone: the sign-in mail carries the firm's colour, the portal its look.
  await page.goto('/portal/login');
  await hydrated(page);
  await page.locator('#f-email').fill('marke@kundin.de');
  await page.getByTestId('request-link').click();
  const mail = await waitForMail('marke@kundin.de', (m) => m.text.includes('/portal/m/'));
  expect(mail.html).toContain('background:#7c3aed');
  expect(mail.html).toContain('/logo?v=');
  await page.goto(mail.text.match(/http:\/\/\S+\/portal\/m\/[A-Za-z0-9_-]{43}/)![0]);
  await hydrated(page);
  await page.getByTestId('magic-sign-in').click();
  await expect(page).toHaveURL(/\/portal$/);
  await hydrated(page);
  const logo = page.getByTestId('firm-logo');
  await expect(logo).toBeVisible();
  expect(await logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  await expect(page.getByTestId('welcome')).toHaveText('Willkommen in unserem Mandantenportal!');
  const branded = page.getByTestId('branded');
  expect(await branded.evaluate((el) => getComputedStyle(el).getPropertyValue('--brand').trim())).toBe('#7c3aed');
  const button = branded.locator('.btn:not(.btn-secondary)').first();
  await expect(button).toHaveCSS('background-color', 'rgb(124, 58, 237)');
  await expect(button).toHaveCSS('color', 'rgb(255, 255, 255)');
  // Thumb-sized: nothing wider than the phone.
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
});
