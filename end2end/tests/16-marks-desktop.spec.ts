import { test, expect } from '@playwright/test';
import { api, createClientApi, hydrated, login, pdfPages, portalLogin, sendFile } from './helpers';

test('staff mark a PDF with the mouse and by keyboard alone; the client approves it with marks open only after confirming', async ({ browser }) => {
  test.setTimeout(90_000);
  // A tall window, so the page's upper half is on screen for the mouse.
  const staff = await (await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'de-DE' })).newPage();
  await login(staff);
  const client = await (await createClientApi(staff, 'Werbeagentur Rahmen', 'rahmen@werbung.de')).json();
  const file = await sendFile(staff, client, 'Plakat.pdf', pdfPages(1));
  await api(staff, 'request_approval', { client_id: client, file_id: file, message: 'Bitte freigeben.' });

  await staff.goto(`/files/${file}/review`);
  await hydrated(staff);
  const stage = staff.getByTestId('review-stage');
  await expect(staff.getByTestId('review-image')).toHaveJSProperty('complete', true);

  // The mouse: a frame dragged from 20 % / 10 % to 60 % / 30 % of the page.
  await staff.getByTestId('mode-area').click();
  const box = (await stage.boundingBox())!;
  expect(box.y + box.height * 0.3).toBeLessThan(1000);
  await staff.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.1);
  await staff.mouse.down();
  await staff.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.3, { steps: 10 });
  await staff.mouse.up();
  await staff.getByTestId('mark-comment').fill('Diese Überschrift kürzer.');
  await staff.getByTestId('mark-save').click();
  await expect(staff.getByTestId('mark-entry')).toHaveCount(1);
  const frame = staff.getByTestId('mark').first();
  for (const [attr, want] of [['data-x', 0.2], ['data-y', 0.1]] as const) {
    expect(Math.abs(Number(await frame.getAttribute(attr)) / 1e6 - want)).toBeLessThan(0.01);
  }
  const rect = (await frame.locator('rect').boundingBox())!;
  expect(Math.abs(rect.width / box.width - 0.4)).toBeLessThan(0.01);
  expect(Math.abs(rect.height / box.height - 0.2)).toBeLessThan(0.01);

  // The keyboard alone: the pin tool, Tab to the page, arrows to 70 % / 53 %, Enter, type, save.
  await staff.getByTestId('mode-pin').focus();
  await staff.keyboard.press('Enter');
  await expect(staff.getByTestId('mode-pin')).toHaveAttribute('aria-pressed', 'true');
  await staff.keyboard.press('Tab');
  await staff.keyboard.press('Tab');
  await expect(stage).toBeFocused();
  await expect(staff.getByTestId('mark-cursor')).toHaveCount(1);
  await expect(staff.getByTestId('cursor-at')).toHaveText('Position 50 % von links, 50 % von oben');
  await staff.keyboard.press('Shift+ArrowRight');
  await staff.keyboard.press('Shift+ArrowRight');
  for (let i = 0; i < 3; i++) await staff.keyboard.press('ArrowDown');
  await expect(staff.getByTestId('cursor-at')).toHaveText('Position 70 % von links, 53 % von oben');
  await staff.keyboard.press('Enter');
  await expect(staff.getByTestId('mark-comment')).toBeFocused();
  await staff.keyboard.type('Hier fehlt das Datum.');
  await staff.keyboard.press('Tab');
  await expect(staff.getByTestId('mark-save')).toBeFocused();
  await staff.keyboard.press('Enter');
  await expect(staff.getByTestId('mark-entry')).toHaveCount(2);
  const pin = staff.getByTestId('mark').nth(1);
  await expect(pin).toHaveAttribute('data-x', '700000');
  await expect(pin).toHaveAttribute('data-y', '530000');
  await expect(pin).toHaveAttribute('aria-label', 'Markierung 2: Hier fehlt das Datum.');
  // A mark on the page answers the keyboard too: Enter selects its entry in the list.
  await pin.focus();
  await staff.keyboard.press('Enter');
  await expect(staff.getByTestId('mark-entry').nth(1)).toHaveClass(/selected/);
  await expect(staff.getByTestId('mark-form')).toHaveCount(0);

  // The client approves: with two marks open the first click asks, the second approves.
  const portal = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'de-DE' })).newPage();
  await portalLogin(portal, 'rahmen@werbung.de');
  await hydrated(portal);
  const open = portal.getByTestId('approval-open');
  await open.getByTestId('approval-approve').click();
  await expect(portal.getByRole('alert')).toContainText('noch Markierungen offen (2)');
  await expect(open).toHaveCount(1);
  await open.getByTestId('approval-approve').click();
  await expect(portal.getByTestId('approval-open')).toHaveCount(0);
  await expect(portal.getByTestId('approval-state')).toHaveText('Freigegeben');
  await expect(portal.getByTestId('approval-open-pins')).toHaveText(' (offene Markierungen: 2)');

  // Staff see which marks were open in the history.
  await staff.goto(`/clients/${client}`);
  await hydrated(staff);
  const decided = staff.getByTestId('client-approvals').getByTestId('approval');
  await expect(decided.getByTestId('approval-state')).toHaveText('Freigegeben');
  await expect(decided.getByTestId('approval-open-pins')).toHaveText(' (offene Markierungen: 2)');
});
