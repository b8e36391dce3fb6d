import { test, expect } from '@playwright/test';
import { createClientApi, hydrated, login, waitForMail } from './helpers';

test('staff add a bookkeeper with her own rights; she signs in with her own address and sees only those', async ({ page, browser }) => {
  await login(page);
  const id = await (await createClientApi(page, 'Kontakt GmbH', 'chefin@kontakt.de')).json();
  await page.goto(`/clients/${id}`);
  await hydrated(page);
  const card = page.getByTestId('contacts');
  await expect(card).toContainText('Hauptkontakt: chefin@kontakt.de');
  await card.getByText('Ansprechpartner hinzufügen').first().click();
  await card.locator('#ct-f-name').fill('Bea Buchhaltung');
  await card.locator('#ct-f-email').fill('chefin@kontakt.de');
  await card.getByTestId('contact-add').click();
  await expect(card.locator('#ct-f-email-error')).toContainText('gehört schon');
  await card.locator('#ct-f-email').fill('buchhaltung@kontakt.de');
  // Upload and files, no messages.
  await card.getByRole('checkbox', { name: 'Nachrichten' }).last().uncheck();
  await card.getByTestId('contact-add').click();
  const row = card.getByTestId('contact');
  await expect(row).toContainText('Bea Buchhaltung');
  await expect(row.getByRole('checkbox', { name: 'Nachrichten' })).not.toBeChecked();
  await expect(row.getByRole('checkbox', { name: 'Hochladen' })).toBeChecked();

  // Her own magic link: the client's portal, without the messages.
  const phone = await (await browser.newContext({ locale: 'de-DE', viewport: { width: 375, height: 740 } })).newPage();
  await phone.goto('/portal/login');
  await hydrated(phone);
  await phone.locator('#f-email').fill('buchhaltung@kontakt.de');
  await phone.getByTestId('request-link').click();
  const mail = await waitForMail('buchhaltung@kontakt.de', (m) => m.text.includes('/portal/m/'));
  await phone.goto(mail.text.match(/http:\/\/\S+\/portal\/m\/[A-Za-z0-9_-]{43}/)![0]);
  await hydrated(phone);
  await phone.getByTestId('magic-sign-in').click();
  await expect(phone).toHaveURL(/\/portal$/);
  await hydrated(phone);
  await expect(phone.getByTestId('portal-client')).toHaveText('Kontakt GmbH');
  await expect(phone.getByRole('heading', { name: 'Weitere Dokumente senden' })).toBeVisible();
  await expect(phone.locator('#h-chat')).toHaveCount(0);

  // Removed: her next request finds no session.
  await row.getByTestId('contact-remove').click();
  await expect(card.getByTestId('contact')).toHaveCount(0);
  await phone.reload();
  await expect(phone).toHaveURL(/\/portal\/login/);
});
