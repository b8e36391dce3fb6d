import { test, expect, Browser, Page } from '@playwright/test';
import { api, createClientApi, hydrated, login } from './helpers';

/** Invites `email` as a member and signs them up in a browser of their own. */
async function join(owner: Page, browser: Browser, email: string, name: string): Promise<Page> {
  const { link } = await api(owner, 'invite_member', { email, role: 'member' });
  const token = String(link).split('/').pop()!;
  const member = await (await browser.newContext({ locale: 'de-DE' })).newPage();
  await member.request.post('/api/accept_invite', {
    form: { token, name, password: 'ein-passwort-fuer-tests', password_repeat: 'ein-passwort-fuer-tests' },
    headers: { Accept: 'application/json' },
  });
  await member.goto('/clients');
  await hydrated(member);
  await expect(member.getByTestId('current-user')).toHaveText(name);
  return member;
}

test('a member without assignment cannot find a restricted client or case through list, search or URL', async ({ page, browser }) => {
  await login(page);
  const team = await join(page, browser, 'tina@kanzlei-test.de', 'Tina Team');
  const outsider = await join(page, browser, 'otto@kanzlei-test.de', 'Otto Außen');
  const id = await (await createClientApi(page, 'Vertraulich GmbH', 'info@vertraulich.de')).json();
  await createClientApi(page, 'Offen für alle AG');

  // The owner restricts the client to Tina on its page.
  await page.goto(`/clients/${id}`);
  await hydrated(page);
  const card = page.getByTestId('client-team');
  await card.getByTestId('team-restricted').check();
  await card.getByRole('checkbox', { name: /Tina Team/ }).check();
  await card.getByTestId('team-save').click();
  await expect(page.getByText('Gespeichert')).toBeVisible();
  await expect(page.locator('.page-head').getByTestId('client-restricted')).toHaveText('Eingeschränkt');
  await expect(card.getByRole('checkbox', { name: /Tina Team/ })).toBeChecked();
  await expect(card.getByRole('checkbox', { name: /Otto Außen/ })).not.toBeChecked();

  // Otto: not in the list, not found by search, and its URL is "not found".
  await outsider.goto('/clients');
  await hydrated(outsider);
  await expect(outsider.getByTestId('client-table')).toContainText('Offen für alle AG');
  await expect(outsider.getByText('Vertraulich GmbH')).toHaveCount(0);
  await outsider.goto('/clients?q=Vertraulich');
  await expect(outsider.getByText('Keine Treffer')).toBeVisible();
  await outsider.goto(`/clients/${id}`);
  await expect(outsider.getByText('Seite nicht gefunden')).toBeVisible();
  await expect(outsider.getByText('info@vertraulich.de')).toHaveCount(0);
  // Nor can he choose who sees it.
  await expect(outsider.getByTestId('client-team')).toHaveCount(0);

  // Tina finds it, marked as restricted, and opens it.
  await team.goto('/clients?q=Vertraulich');
  const row = team.getByTestId('client-table').locator('tr', { hasText: 'Vertraulich GmbH' });
  await expect(row.getByTestId('client-restricted')).toBeVisible();
  await row.getByRole('link', { name: 'Vertraulich GmbH' }).click();
  await expect(team.getByTestId('client-name')).toHaveText('Vertraulich GmbH');
  await expect(team.getByTestId('client-team')).toHaveCount(0);

  // A single case of an open client, restricted to Tina: Otto sees the client, not the case.
  const open = await (await createClientApi(page, 'Teilweise Offen KG')).json();
  const secret = await api(page, 'create_case', { client_id: open, title: 'Betriebsprüfung 2025' });
  await api(page, 'create_case', { client_id: open, title: 'Lohnabrechnung' });
  await page.goto(`/cases/${secret}`);
  await hydrated(page);
  const caseCard = page.getByTestId('case-team');
  await caseCard.getByTestId('team-restricted').check();
  await caseCard.getByRole('checkbox', { name: /Tina Team/ }).check();
  await caseCard.getByTestId('team-save').click();
  await expect(page.locator('.toast').getByText('Gespeichert')).toBeVisible();
  await expect(page.locator('.page-head').getByTestId('case-restricted')).toHaveText('Eingeschränkt');

  await outsider.goto(`/clients/${open}`);
  await hydrated(outsider);
  await expect(outsider.getByTestId('cases')).toContainText('Lohnabrechnung');
  await expect(outsider.getByText('Betriebsprüfung 2025')).toHaveCount(0);
  await outsider.goto(`/cases/${secret}`);
  await expect(outsider.getByText('Seite nicht gefunden')).toBeVisible();

  await team.goto(`/clients/${open}`);
  await hydrated(team);
  const item = team.getByTestId('cases').locator('li', { hasText: 'Betriebsprüfung 2025' });
  await expect(item.getByTestId('case-restricted')).toBeVisible();
  await item.getByRole('link', { name: 'Betriebsprüfung 2025' }).click();
  await expect(team.getByTestId('case-title')).toHaveText('Betriebsprüfung 2025');
  await expect(team.getByTestId('case-team')).toHaveCount(0);
});
