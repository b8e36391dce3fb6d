import { test, expect } from '@playwright/test';
import { hydrated, login } from './helpers';

test('the owner enters an own domain, gets the DNS record and a clear answer when it does not point here yet', async ({ page }) => {
  await login(page);
  await page.goto('/settings');
  await hydrated(page);
  const card = page.getByTestId('domain');
  await card.locator('#dom-f-domain').fill('kanzlei');
  await card.getByTestId('save-domain').click();
  await expect(card.locator('#dom-f-domain-error')).toContainText('portal.kanzlei-muster.de');
  await card.locator('#dom-f-domain').fill('https://Portal.Kanzlei-Test.de/');
  await card.getByTestId('save-domain').click();
  // Normalized, and the record to create at the DNS provider.
  await expect(card.getByTestId('domain-record')).toHaveText(/^portal\.kanzlei-test\.de\.\s+CNAME\s+127\.0\.0\.1\.$/);
  // Private mode needs a verified domain.
  await card.getByTestId('public-mode').uncheck();
  await card.getByTestId('save-public-mode').click();
  await expect(card.getByRole('alert').filter({ hasText: 'bestätigter eigener Domain' })).toBeVisible();
  // This machine cannot reach that domain: the check says so instead of failing silently.
  await card.getByTestId('verify-domain').click();
  await expect(card.getByRole('alert').filter({ hasText: 'zeigt noch nicht auf das Kundenportal' })).toBeVisible({ timeout: 20_000 });
  // Removed again: no record shown.
  await card.locator('#dom-f-domain').fill('');
  await card.getByTestId('save-domain').click();
  await expect(card.getByTestId('domain-record')).toHaveCount(0);
});
