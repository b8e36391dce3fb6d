import { test, expect } from '@playwright/test';
import { hydrated, login } from './helpers';

test('the owner invites a member by link; the member joins; deactivation ends their session at once', async ({ page, browser }) => {
  await login(page);
  await page.goto('/team');
  await hydrated(page);
  await page.locator('#inv-f-email').fill('mara@kanzlei-test.de');
  await page.getByLabel('Rolle', { exact: true }).selectOption('member');
  await page.getByRole('button', { name: 'Einladung senden' }).click();
  const link = (await page.getByTestId('invite-link').textContent())!.trim();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  await expect(page.getByTestId('pending-invites')).toContainText('mara@kanzlei-test.de');

  const member = await (await browser.newContext()).newPage();
  await member.goto(link);
  await expect(member.getByRole('heading', { name: 'Einladung annehmen' })).toBeVisible();
  await hydrated(member);
  await member.locator('#f-name').fill('Mara Mitarbeiterin');
  await member.locator('#f-password').fill('mara-ihr-passwort');
  await member.locator('#f-password_repeat').fill('mara-ihr-passwort');
  await member.getByRole('button', { name: 'Konto anlegen' }).click();
  await expect(member).toHaveURL(/:3100\/$/);
  await expect(member.getByTestId('current-user')).toHaveText('Mara Mitarbeiterin');
  // A member may not delete clients or manage the team.
  await member.goto('/team');
  await expect(member.getByRole('button', { name: 'Einladung senden' })).toHaveCount(0);

  // The link works once.
  const again = await (await browser.newContext()).newPage();
  await again.goto(link);
  await expect(again.getByText('Diese Einladung ist ungültig')).toBeVisible();

  await page.reload();
  await hydrated(page);
  const row = page.getByTestId('members').locator('tr', { hasText: 'mara@kanzlei-test.de' });
  await row.getByRole('button', { name: 'Deaktivieren' }).click();
  await expect(row).toContainText('Deaktiviert');

  await member.goto('/clients');
  await expect(member).toHaveURL(/\/login$/);
});
