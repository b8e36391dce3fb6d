import { test, expect, Page } from '@playwright/test';
import { api, createClientApi, hydrated, login, pdfPages as pdf, portalLogin, sendFile as send } from './helpers';

/** Where a pin sits on the page, as fractions of the shown page (its centre). */
async function spotOf(page: Page, mark: ReturnType<Page['getByTestId']>) {
  const stage = (await page.getByTestId('review-stage').boundingBox())!;
  const box = (await mark.boundingBox())!;
  return { x: (box.x + box.width / 2 - stage.x) / stage.width, y: (box.y + box.height / 2 - stage.y) / stage.height };
}

test('a client pins a comment on page 2 of a PDF on a phone; staff see it at the same spot, answer and resolve; v2 shows what is still open', async ({ page, browser }) => {
  test.setTimeout(120_000);
  const staff = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'de-DE' })).newPage();
  await login(staff);
  const client = await (await createClientApi(staff, 'Druckerei Markier GmbH', 'druck@markier.de')).json();
  const v1 = await send(staff, client, 'Flyer Entwurf.pdf', pdf(2));
  await api(staff, 'request_approval', { client_id: client, file_id: v1, message: 'Bitte prüfen.' });

  // The phone: from the approval to the marking view, page 2.
  await portalLogin(page, 'druck@markier.de');
  await page.getByTestId('approval-review').first().click();
  await expect(page).toHaveURL(new RegExp(`/portal/files/${v1}/review$`));
  await hydrated(page);
  await expect(page.getByTestId('review-title')).toHaveText('Flyer Entwurf.pdf (v1)');
  await page.getByTestId('page-next').click();
  await expect(page.getByTestId('page-label')).toHaveText('Seite 2 von 2');
  const stage = page.getByTestId('review-stage');
  await expect(page.getByTestId('review-image')).toHaveJSProperty('complete', true);
  let box = (await stage.boundingBox())!;
  // Looking: a tap places nothing.
  await page.touchscreen.tap(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await expect(page.getByTestId('mark-form')).toHaveCount(0);
  // Pinning: a finger that swipes over the page scrolls and places nothing …
  await page.getByTestId('mode-pin').click();
  box = (await stage.boundingBox())!;
  const touch = await page.context().newCDPSession(page);
  const finger = (type: string, y: number) => touch.send('Input.dispatchTouchEvent', {
    type, touchPoints: type === 'touchEnd' ? [] : [{ x: box.x + box.width * 0.5, y: box.y + y }],
  });
  await finger('touchStart', 300);
  for (let y = 280; y >= 160; y -= 20) await finger('touchMove', y);
  await finger('touchEnd', 160);
  await page.waitForTimeout(300);
  await expect(page.getByTestId('mark-form')).toHaveCount(0);
  // … a tap at 30 % / 40 % of the page pins.
  await page.evaluate(() => window.scrollTo(0, 0));
  box = (await stage.boundingBox())!;
  await page.touchscreen.tap(box.x + box.width * 0.3, box.y + box.height * 0.4);
  await page.getByTestId('mark-comment').fill('Das Logo bitte größer.');
  await page.getByTestId('mark-save').click();
  await expect(page.getByTestId('mark-entry')).toHaveCount(1);
  const onPhone = await spotOf(page, page.getByTestId('mark').first());
  expect(onPhone.x).toBeCloseTo(0.3, 1);
  expect(onPhone.y).toBeCloseTo(0.4, 1);
  // A second mark on page 1, which stays open.
  await page.getByTestId('page-prev').click();
  await page.getByTestId('mode-pin').click();
  box = (await stage.boundingBox())!;
  await page.touchscreen.tap(box.x + box.width * 0.7, box.y + box.height * 0.2);
  await page.getByTestId('mark-comment').fill('Telefonnummer fehlt.');
  await page.getByTestId('mark-save').click();
  await expect(page.getByTestId('mark-entry')).toHaveCount(2);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);

  // Staff on a desktop: the same spot on page 2, an answer, resolved.
  await staff.goto(`/files/${v1}/review`);
  await hydrated(staff);
  await staff.getByTestId('page-next').click();
  await expect(staff.getByTestId('review-image')).toHaveJSProperty('complete', true);
  const mark = staff.getByTestId('mark').first();
  await expect(mark).toHaveAttribute('aria-label', /Das Logo bitte größer/);
  const onDesktop = await spotOf(staff, mark);
  expect(Math.abs(onDesktop.x - onPhone.x)).toBeLessThan(0.01);
  expect(Math.abs(onDesktop.y - onPhone.y)).toBeLessThan(0.01);
  const entry = staff.getByTestId('mark-entry').filter({ hasText: 'Das Logo bitte größer.' });
  await entry.getByTestId('mark-answer').fill('Ist in Arbeit.');
  await entry.getByTestId('mark-answer-send').click();
  await expect(entry.getByTestId('mark-reply')).toContainText('Ist in Arbeit.');
  await entry.getByTestId('mark-toggle').click();
  await expect(entry.getByTestId('mark-state')).toHaveText('Erledigt');

  // Version 2: clean, with the mark still open from v1 beside it.
  const v2 = await send(staff, client, 'Flyer Entwurf.pdf', pdf(2));
  await page.goto(`/portal/files/${v2}/review`);
  await hydrated(page);
  await expect(page.getByTestId('review-title')).toHaveText('Flyer Entwurf.pdf (v2)');
  await expect(page.getByTestId('mark-entry')).toHaveCount(0);
  await expect(page.getByTestId('carried-title')).toHaveText('Noch offen aus v1');
  await expect(page.getByTestId('carried-mark')).toHaveCount(1);
  await expect(page.getByTestId('carried-mark')).toContainText('Telefonnummer fehlt.');
});
