import { test } from '@playwright/test';
import { auditEverything } from './a11y';

test('every page passes axe-core without serious or critical violations (desktop)', async ({ browser }) => {
  test.setTimeout(120_000);
  const pages = await auditEverything(browser, { width: 1280, height: 800 }, 'desktop');
  console.log(`axe-core, desktop: ${pages.length} pages without serious or critical violations`);
});
