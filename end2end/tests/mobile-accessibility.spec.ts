import { test } from '@playwright/test';
import { auditEverything } from './a11y';

test('every page passes axe-core without serious or critical violations (375 px phone)', async ({ browser }) => {
  test.setTimeout(120_000);
  const pages = await auditEverything(browser, { width: 375, height: 740 }, 'phone');
  console.log(`axe-core, 375 px: ${pages.length} pages without serious or critical violations`);
});
