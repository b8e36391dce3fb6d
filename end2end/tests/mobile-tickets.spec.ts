import { test, expect } from '@playwright/test';
import { createClientApi, deliverMail, hydrated, login, portalLogin, waitForMail } from './helpers';

test('a client opens a ticket on a phone; staff see the badge and answer; the answer reaches the phone live and by mail, and the client\'s e-mailed reply lands in the thread', async ({ page, browser }) => {
  test.setTimeout(90_000);
  const staff = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'de-DE' })).newPage();
  await login(staff);
  await createClientApi(staff, 'Ticket Kundin GmbH', 'ticket@kundin.de');

  // The phone: the Support tab, a ticket without a subject is explained, then opened.
  await portalLogin(page, 'ticket@kundin.de');
  await page.getByTestId('portal-tickets-link').click();
  await expect(page).toHaveURL(/\/portal\/tickets$/);
  await hydrated(page);
  await expect(page.getByText('Noch keine Tickets.')).toBeVisible();
  await page.locator('#tk-f-text').fill('Können Sie mir die Lohnabrechnung für November erklären?');
  await page.getByTestId('ticket-open').click();
  await expect(page.locator('#tk-f-subject-error')).toContainText('Bitte füllen Sie dieses Feld aus.');
  await page.locator('#tk-f-subject').fill('Frage zur Lohnabrechnung');
  await page.getByTestId('ticket-open').click();
  await expect(page).toHaveURL(/\/portal\/tickets\/[0-9a-f-]{36}$/);
  await hydrated(page);
  await expect(page.getByTestId('ticket-title')).toContainText('Frage zur Lohnabrechnung');
  await expect(page.getByTestId('ticket-state')).toHaveText('Offen');
  await expect(page.getByTestId('ticket-post')).toHaveCount(1);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);

  // Staff: the badge in the navigation, the ticket marked new; a note and an answer.
  await staff.goto('/');
  await hydrated(staff);
  const tab = staff.getByRole('link', { name: /Support-Tickets/ });
  await expect(tab.getByTestId('unread')).toHaveText('1');
  await tab.click();
  await expect(staff).toHaveURL(/\/tickets$/);
  const row = staff.getByTestId('ticket-row').filter({ hasText: 'Frage zur Lohnabrechnung' });
  await expect(row.getByTestId('ticket-new')).toBeVisible();
  await expect(row).toContainText('Ticket Kundin GmbH');
  await row.getByRole('link').click();
  await expect(staff).toHaveURL(/\/tickets\/[0-9a-f-]{36}$/);
  await hydrated(staff);
  await staff.locator('#tk-f-text').fill('Intern: Lohnbüro fragen.');
  await staff.getByTestId('ticket-add-note').click();
  await expect(staff.getByTestId('ticket-note')).toHaveCount(1);
  // The sent text is gone from the form.
  await expect(staff.locator('#tk-f-text')).toHaveValue('');
  await expect(staff.getByTestId('ticket-state')).toHaveText('Offen');
  await staff.locator('#tk-f-text').fill('Gern: ab November gilt erstmals der Zuschlag.');
  await staff.getByTestId('ticket-reply').click();
  await expect(staff.getByTestId('ticket-post')).toHaveCount(3);
  await expect(staff.getByTestId('ticket-state')).toHaveText('In Bearbeitung');
  await expect(tab.getByTestId('unread')).toHaveCount(0);

  // The phone shows the answer without reloading — never the note — and the mail arrives.
  await expect(page.getByTestId('ticket-post')).toHaveCount(2);
  await expect(page.getByTestId('ticket-thread')).toContainText('ab November gilt erstmals der Zuschlag');
  await expect(page.getByTestId('ticket-thread')).not.toContainText('Lohnbüro');
  await expect(page.getByTestId('ticket-state')).toHaveText('In Bearbeitung');
  const mail = await waitForMail('ticket@kundin.de', (m) => m.subject.includes('[Ticket #'));
  expect(mail.subject).toContain('Frage zur Lohnabrechnung');
  expect(mail.text).toMatch(/\/portal\/tickets\/[0-9a-f-]{36}/);
  expect(mail.replyTo).toMatch(/^reply\+t\.[0-9a-f-]{36}\.[0-9a-f]{16}@reply\.kundenportal\.test$/);

  // The client answers from their mail program instead: the reply (quote removed) shows up
  // in the portal thread and on the staff page.
  await deliverMail('ticket@kundin.de', mail.replyTo, [
    'From: Ticket Kundin <ticket@kundin.de>',
    `To: ${mail.replyTo}`,
    `Subject: Re: ${mail.subject}`,
    'Message-ID: <antwort-1@kundin.de>',
    `In-Reply-To: ${mail.messageId}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Vielen Dank, das hilft mir sehr.',
    '',
    'Am 30.11.2026 um 10:15 schrieb Kanzlei Test & Partner <noreply@kundenportal.local>:',
    '> Gern: ab November gilt erstmals der Zuschlag.',
  ].join('\n'));
  await expect(page.getByTestId('ticket-post')).toHaveCount(3);
  await expect(page.getByTestId('ticket-post').last()).toContainText('Vielen Dank, das hilft mir sehr.');
  await expect(page.getByTestId('ticket-post').last()).toContainText('per E-Mail');
  await expect(page.getByTestId('ticket-thread')).not.toContainText('schrieb Kanzlei');
  await expect(staff.getByTestId('ticket-post')).toHaveCount(4);
  await expect(staff.getByTestId('ticket-mail-original')).toHaveCount(1);

  // The client answers; staff solve; the client's next answer opens it again.
  await page.locator('#tk-f-text').fill('Danke! Gilt das auch für Dezember?');
  await page.getByTestId('ticket-reply').click();
  await expect(page.getByTestId('ticket-post')).toHaveCount(4);
  await expect(staff.getByTestId('ticket-post')).toHaveCount(5);
  await staff.locator('label', { hasText: 'Gelöst' }).locator('input').check();
  await staff.getByTestId('ticket-state-save').click();
  await expect(staff.getByTestId('ticket-state')).toHaveText('Gelöst');
  await expect(page.getByTestId('ticket-state')).toHaveText('Gelöst');
  await page.locator('#tk-f-text').fill('Eine Frage noch.');
  await page.getByTestId('ticket-reply').click();
  await expect(page.getByTestId('ticket-state')).toHaveText('Offen');
});
