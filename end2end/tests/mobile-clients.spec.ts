import { test, expect } from '@playwright/test';
import { hydrated, login } from './helpers';

test('on a 375 px phone the client list becomes cards, fits the screen and search works', async ({ page }) => {
  await login(page);
  await page.goto('/clients');
  await hydrated(page);
  const firstRow = page.getByTestId('client-table').locator('tbody tr').first();
  await expect(firstRow).toBeVisible();
  // Cards: each cell is a block showing its column name.
  const display = await firstRow.evaluate((el) => getComputedStyle(el).display);
  expect(display).toBe('block');
  await expect(page.getByTestId('client-table').locator('thead')).not.toBeInViewport();
  // Nothing wider than the screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  // Tap targets are thumb-sized.
  const box = await page.getByRole('button', { name: 'Suchen' }).boundingBox();
  expect(box!.height).toBeGreaterThanOrEqual(44);

  await page.getByLabel('Suche').fill('fischer');
  await page.getByRole('button', { name: 'Suchen' }).click();
  await expect(page.getByTestId('client-table').locator('tbody tr')).toHaveCount(1);
  await expect(firstRow).toContainText('Fischer, Thomas');
});
