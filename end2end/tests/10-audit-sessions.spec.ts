import { test, expect } from '@playwright/test';
import { createClientApi, hydrated, login } from './helpers';

test('an owner ends a forgotten session and finds it in the audit trail, per client too', async ({ page, browser }) => {
  await login(page);
  // A second browser of the same person (the "forgotten" one).
  const other = await (await browser.newContext({ locale: 'de-DE' })).newPage();
  await login(other);

  await page.goto('/settings');
  await hydrated(page);
  const sessions = page.getByTestId('sessions');
  await expect(sessions.getByTestId('session-current')).toHaveCount(1);
  expect(await sessions.getByTestId('session').count()).toBeGreaterThan(1);
  await sessions.getByTestId('end-other-sessions').click();
  await expect(page.getByText('Sitzung beendet.')).toBeVisible();
  await expect(sessions.getByTestId('session')).toHaveCount(1);
  // The other browser is signed out at its next request.
  await other.goto('/clients');
  await expect(other).toHaveURL(/\/login/);
  await other.context().close();

  // The trail: filtered by action through the form; the CSV link carries the same filter.
  await page.getByRole('link', { name: 'Protokoll' }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await hydrated(page);
  await expect(page.getByTestId('audit-entry').first()).toBeVisible();
  await page.locator('#a-action').selectOption({ label: 'Sitzung beendet' });
  await page.getByTestId('audit-filter').click();
  await expect(page).toHaveURL(/action=auth\.session_ended/);
  await expect(page.getByTestId('audit-entry')).toHaveCount(1);
  await expect(page.getByTestId('audit-entry')).toContainText('Sitzung beendet');
  await expect(page.getByTestId('audit-csv')).toHaveAttribute('href', /\/api\/audit\.csv\?.*action=auth\.session_ended/);

  // From a client's page to that client's part of the trail.
  const clientId = await (await createClientApi(page, 'Protokoll GmbH', 'info@protokoll.de')).json();
  await page.goto(`/clients/${clientId}`);
  await hydrated(page);
  await page.getByTestId('client-audit').click();
  await expect(page.getByTestId('audit-client-only')).toContainText('Protokoll GmbH');
  await expect(page.getByTestId('audit-entry')).toHaveCount(1);
  await expect(page.getByTestId('audit-entry')).toContainText('Kunde angelegt');
});
