import { test, expect } from '@playwright/test';
import * as fs from 'fs';
import { api, createClientApi, hydrated, login, portalLogin, unzip } from './helpers';

test('a client on a phone sees the totals, filters and sorts invoices, opens one and accepts a quote', async ({ page, browser }) => {
  test.setTimeout(90_000);
  // Staff (desktop): two invoices of 119,00 € (one paid) and a quote of 1.785,00 €.
  const staff = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'de-DE' })).newPage();
  await login(staff);
  const client = await (await createClientApi(staff, 'Handy Rechnung AG', 'handy@rechnung.de')).json();
  const issue = async (kind: string, price: string) => {
    const id = await api(staff, 'create_invoice', { client_id: client, kind });
    await api(staff, 'add_invoice_line', { id, description: 'Beratung', unit_price: price, vat: '19' });
    return { id, number: String(await api(staff, 'send_invoice', { id })) };
  };
  const paid = await issue('invoice', '100');
  await issue('invoice', '100');
  const quote = await issue('quote', '1500');
  await api(staff, 'change_invoice_state', { id: paid.id, to: 'paid' });

  // The phone: totals, then the filter and the sort, both kept in the URL.
  await portalLogin(page, 'handy@rechnung.de');
  await page.getByTestId('portal-invoices-link').click();
  await expect(page).toHaveURL(/\/portal\/invoices$/);
  await hydrated(page);
  await expect(page.getByTestId('paid-total')).toHaveText(/^119,00\s€$/);
  await expect(page.getByTestId('outstanding-total')).toHaveText(/^119,00\s€$/);
  await expect(page.getByTestId('invoice-table').locator('tbody tr')).toHaveCount(3);
  await page.getByRole('link', { name: 'Bezahlt', exact: true }).click();
  await expect(page).toHaveURL(/state=paid/);
  await expect(page.getByTestId('invoice-table').locator('tbody tr')).toHaveCount(1);
  await expect(page.getByTestId('invoice-table')).toContainText(paid.number);
  await page.getByRole('link', { name: 'Alle', exact: true }).click();
  await page.getByRole('link', { name: 'Höchster Betrag' }).click();
  await expect(page).toHaveURL(/sort=highest/);
  await expect(page.getByTestId('invoice-table').locator('tbody tr').first()).toContainText(quote.number);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);

  // All three as one ZIP of valid PDFs, named by number.
  await page.getByTestId('invoice-select-all').check();
  await expect(page.getByTestId('invoice-select').nth(2)).toBeChecked();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('invoice-zip').click()]);
  expect(download.suggestedFilename()).toBe('Rechnungen.zip');
  const entries = unzip(fs.readFileSync(await download.path()));
  const names = entries.map((e) => e.name);
  expect(names).toHaveLength(3);
  expect(names).toContain(`${paid.number}_Rechnung.pdf`);
  expect(names).toContain(`${quote.number}_Angebot.pdf`);
  for (const e of entries) expect(e.data.subarray(0, 5).toString()).toBe('%PDF-');

  // The quote as a page, accepted with a comment.
  await page.getByRole('link', { name: quote.number }).click();
  await expect(page).toHaveURL(new RegExp(`/portal/invoices/${quote.id}$`));
  await hydrated(page);
  await expect(page.getByTestId('invoice-gross')).toHaveText(/^1\.785,00\s€$/);
  const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByTestId('invoice-pdf').click()]);
  expect(pdf.suggestedFilename()).toBe(`${quote.number}_Angebot.pdf`);
  expect(fs.readFileSync(await pdf.path()).subarray(0, 5).toString()).toBe('%PDF-');
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await page.locator('#quote-f-comment').fill('Passt so, bitte loslegen.');
  await page.getByTestId('quote-accept').click();
  await expect(page.getByTestId('invoice-state')).toHaveText('Angenommen');
  await expect(page.getByTestId('quote-decision')).toHaveCount(0);
  await expect(page.getByTestId('invoice-document')).toContainText('Passt so, bitte loslegen.');

  // The firm sees the decision and turns the quote into an invoice.
  await staff.goto(`/invoices/${quote.id}`);
  await hydrated(staff);
  await expect(staff.getByTestId('invoice-state')).toHaveText('Angenommen');
  await staff.getByTestId('invoice-from-quote').click();
  await expect(staff).toHaveURL(/\/invoices\/[0-9a-f-]{36}$/);
  await expect(staff.getByTestId('invoice-title')).toHaveText('Rechnung (Entwurf)');
  await expect(staff.getByTestId('invoice-gross')).toHaveText(/^1\.785,00\s€$/);
});

test('a client on a phone pays an invoice by card through the (local) Stripe checkout and sees it turn Bezahlt', async ({ page, browser }) => {
  test.setTimeout(90_000);
  const staff = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'de-DE' })).newPage();
  await login(staff);
  // The owner sets up online payment in the settings.
  await staff.goto('/settings');
  await hydrated(staff);
  const card = staff.getByTestId('payments-card');
  await card.locator('#pay-f-secret_key').fill('pk_test_falsch');
  await card.getByTestId('payments-save').click();
  await expect(card.locator('#pay-f-secret_key-error')).toContainText('sk_');
  await card.locator('#pay-f-secret_key').fill('sk_test_e2e_kanzlei');
  await card.locator('#pay-f-webhook_secret').fill('whsec_e2e_kanzlei');
  await card.getByTestId('payments-save').click();
  await expect(card.getByTestId('payments-state')).toHaveText('Online-Zahlung ist eingerichtet.');
  await expect(card.getByTestId('webhook-url')).toContainText('/api/stripe/webhook/');

  const client = await (await createClientApi(staff, 'Karten Zahler GmbH', 'karte@zahler.de')).json();
  const id = await api(staff, 'create_invoice', { client_id: client, kind: 'invoice' });
  await api(staff, 'add_invoice_line', { id, description: 'Lohnabrechnung', unit_price: '250', vat: '19' });
  const number = String(await api(staff, 'send_invoice', { id }));

  await portalLogin(page, 'karte@zahler.de');
  await page.goto(`/portal/invoices/${id}`);
  await hydrated(page);
  await expect(page.getByTestId('invoice-state')).toHaveText('Versendet');
  await page.getByTestId('pay-now').click();
  // Stripe's page (here the local one) shows exactly the outstanding amount.
  await expect(page).toHaveURL(/127\.0\.0\.1:3127\/pay\/cs_test_\d+$/);
  await expect(page.locator('#amount')).toHaveText('297,50 €');
  await page.locator('#pay').click();
  // Back in the portal: the webhook has marked it paid.
  await expect(page).toHaveURL(new RegExp(`/portal/invoices/${id}\\?paid=1$`));
  await hydrated(page);
  await expect(page.getByTestId('invoice-state')).toHaveText('Bezahlt');
  await expect(page.getByTestId('pay-now')).toHaveCount(0);
  await page.goto('/portal/invoices');
  await hydrated(page);
  await expect(page.getByTestId('paid-total')).toHaveText(/^297,50\s€$/);

  // The firm sees it paid, and the bell says so.
  await staff.goto(`/invoices/${id}`);
  await hydrated(staff);
  await expect(staff.getByTestId('invoice-state')).toHaveText('Bezahlt');
  await staff.goto('/notifications');
  await expect(staff.getByText(`Rechnung ${number} wurde online bezahlt`)).toBeVisible();
});

test('a client on a phone approves a file the firm sent, after asking for changes to the first version', async ({ page, browser }) => {
  test.setTimeout(90_000);
  const staff = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'de-DE' })).newPage();
  await login(staff);
  const client = await (await createClientApi(staff, 'Freigabe Design GmbH', 'design@freigabe.de')).json();
  // The firm sends the draft (a tus upload as staff, like the "Dateien senden" widget does).
  const send = async (name: string) => {
    const pdf = Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n');
    const meta = `filename ${Buffer.from(name).toString('base64')},client_id ${Buffer.from(client).toString('base64')}`;
    const created = await staff.request.post('/api/uploads/', {
      headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': String(pdf.length), 'Upload-Metadata': meta },
    });
    expect(created.status()).toBe(201);
    const patched = await staff.request.patch(created.headers()['location'], {
      headers: { 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' },
      data: pdf,
    });
    expect(patched.status()).toBe(204);
  };
  await send('Entwurf Flyer.pdf');

  // Staff ask for approval on the client page.
  await staff.goto(`/clients/${client}`);
  await hydrated(staff);
  const card = staff.getByTestId('client-approvals');
  await card.getByText('Freigabe anfordern').first().click();
  await card.locator('#appr-f-message').fill('Bitte den Flyer prüfen.');
  await card.getByTestId('approval-request').click();
  await expect(card.getByTestId('approval-state')).toHaveText('Wartet auf Freigabe');

  // The phone: asking for changes needs a comment, then the decision shows in the history.
  await portalLogin(page, 'design@freigabe.de');
  const open = page.getByTestId('portal-approvals');
  await expect(open).toContainText('Entwurf Flyer.pdf');
  await expect(open).toContainText('Bitte den Flyer prüfen.');
  await open.getByTestId('approval-changes').click();
  await expect(open.locator('#decide-f-comment-error')).toContainText('was geändert werden soll');
  await open.locator('#decide-f-comment').fill('Das Logo bitte größer.');
  await open.getByTestId('approval-changes').click();
  await expect(open.getByTestId('approval-state')).toHaveText('Änderungen gewünscht');
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);

  // Version 2, approved.
  await send('Entwurf Flyer.pdf');
  await staff.reload();
  await hydrated(staff);
  await card.getByText('Freigabe anfordern').first().click();
  await card.getByTestId('approval-file').selectOption({ label: 'Entwurf Flyer.pdf (v2)' });
  await card.getByTestId('approval-request').click();
  await page.reload();
  await hydrated(page);
  await open.getByTestId('approval-approve').click();
  await expect(open.getByTestId('approval-open')).toHaveCount(0);
  await expect(open.getByTestId('approval-state')).toHaveText(['Freigegeben', 'Änderungen gewünscht']);

  // The firm sees both decisions, with the comment.
  await staff.reload();
  await hydrated(staff);
  await expect(card.getByTestId('approval-state')).toHaveText(['Freigegeben', 'Änderungen gewünscht']);
  await expect(card).toContainText('Das Logo bitte größer.');
});


test('staff log time against a monthly budget; the client on a phone sees the hours used against it', async ({ page, browser }) => {
  test.setTimeout(90_000);
  const staff = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'de-DE' })).newPage();
  await login(staff);
  const client = await (await createClientApi(staff, 'Stunden Retainer GmbH', 'retainer@stunden.de')).json();
  await api(staff, 'create_case', { client_id: client, title: 'Lohnbuchhaltung' });

  // The owner shows hours in the portal (Einstellungen → Abrechnung).
  await staff.goto('/settings');
  await hydrated(staff);
  const billing = staff.getByTestId('billing-card');
  await billing.getByTestId('hours-in-portal').check();
  await billing.getByTestId('billing-save').click();
  await expect(staff.locator('.toast')).toBeVisible();

  // On the client page: a budget of ten hours, then two entries; a bad duration is explained.
  await staff.goto(`/clients/${client}`);
  await hydrated(staff);
  const card = staff.getByTestId('client-hours');
  await expect(card.getByTestId('hours-portal-state')).toContainText('im Kundenportal');
  await card.locator('summary', { hasText: 'Monatsbudget' }).click();
  await card.locator('#hours-f-budget').fill('10');
  await card.getByTestId('hours-budget-save').click();
  await expect(card.getByTestId('hours-used')).toHaveText(/^0:00\sh von 10:00\sh$/);
  await card.locator('summary', { hasText: 'Zeit erfassen' }).click();
  await card.locator('#hours-f-duration').fill('anderthalb');
  await card.locator('#hours-f-description').fill('Lohnabrechnung November');
  await card.getByTestId('hours-log').click();
  await expect(card.locator('#hours-f-duration-error')).toContainText('Bitte eine Dauer wie 1:30');
  await card.locator('#hours-f-duration').fill('1:30');
  await card.getByTestId('hours-case').selectOption({ label: 'Lohnbuchhaltung' });
  await card.getByTestId('hours-log').click();
  await expect(card.getByTestId('hours-entry')).toHaveCount(1);
  await card.locator('summary', { hasText: 'Zeit erfassen' }).click();
  await card.locator('#hours-f-duration').fill('2,5');
  await card.locator('#hours-f-description').fill('Beratung Umsatzsteuer');
  await card.getByTestId('hours-log').click();
  await expect(card.getByTestId('hours-entry')).toHaveCount(2);
  await expect(card.getByTestId('hours-used')).toHaveText(/^4:00\sh von 10:00\sh$/);
  await expect(card.getByTestId('hours-budget-state')).toHaveText(/^6:00\sh übrig$/);
  await expect(card.getByTestId('hours-entries')).toContainText('Lohnbuchhaltung');
  // The month before: nothing logged, and no budget yet (it counts from this month on).
  const thisMonth = await card.getByTestId('hours-month-label').textContent();
  await card.getByTestId('hours-step').first().click();
  await expect(card.getByTestId('hours-month-label')).not.toHaveText(thisMonth!);
  await expect(card.getByTestId('hours-none')).toBeVisible();
  await expect(card.getByTestId('hours-budget-state')).toHaveText('Kein Budget vereinbart');

  // The phone: this month at a glance on the home page, the details on their own page.
  await portalLogin(page, 'retainer@stunden.de');
  const teaser = page.getByTestId('portal-hours-teaser');
  await expect(teaser.getByTestId('hours-used')).toHaveText(/^4:00\sh von 10:00\sh$/);
  await page.getByTestId('portal-hours-link').click();
  await expect(page).toHaveURL(/\/portal\/hours$/);
  await hydrated(page);
  const hours = page.getByTestId('portal-hours');
  await expect(hours.getByTestId('hours-month-label')).toHaveText(thisMonth!);
  await expect(hours.getByTestId('hours-entry')).toHaveCount(2);
  await expect(hours.getByTestId('hours-entries')).toContainText('Beratung Umsatzsteuer');
  await expect(hours.getByTestId('hours-entries')).not.toContainText('Owner');
  await expect(hours.getByTestId('hours-budget-state')).toHaveText(/^6:00\sh übrig$/);
  await expect(page.getByTestId('hours-month')).toHaveCount(1);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await hours.getByTestId('hours-step').first().click();
  await expect(page).toHaveURL(/\/portal\/hours\?month=\d{4}-\d{2}$/);
  await expect(hours.getByTestId('hours-none')).toBeVisible();

  // Over budget: another nine hours, and the client sees by how much.
  await api(staff, 'log_time', { client_id: client, work_date: await todayOf(staff, client), duration: '9', description: 'Betriebsprüfung' });
  await page.goto('/portal/hours');
  await hydrated(page);
  await expect(hours.getByTestId('hours-budget-state')).toHaveText(/^3:00\sh über Budget$/);
});

/** Today (German time) as the server sees it. */
async function todayOf(staff: import('@playwright/test').Page, client: string): Promise<string> {
  const h = await api(staff, 'list_hours', { client_id: client });
  return h.today;
}
