import { expect, Page, Browser } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { api, createClientApi, hydrated, login, pdfPages, portalLogin, sendFile } from './helpers';

/** axe-core (WCAG 2.1 A and AA rules) on the page as it is now: serious and critical
 * violations are listed by rule and element, and there must be none. */
export async function audit(page: Page, what: string) {
  await hydrated(page);
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
  expect(report, `${what} (${page.url()})`).toEqual([]);
  // The rules really ran on a real page.
  expect(result.passes.length, `${what}: rules that passed`).toBeGreaterThan(10);
  return result.passes.length;
}

/** Collects what goes wrong in a page while it is used: requests to our API that fail and
 * script errors. A page a client may open must not make a call it is not allowed to make. */
export function watchFailures(page: Page): string[] {
  const failures: string[] = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/') && r.status() >= 400) {
      failures.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
    }
  });
  page.on('pageerror', (e) => failures.push(`script error: ${e.message}`));
  return failures;
}

/** Every kind of page — staff app, sign-in pages, the public upload page and the client's
 * portal — with real data, in the given viewport. Returns the pages audited. */
export async function auditEverything(browser: Browser, viewport: { width: number; height: number }, tag: string) {
  const context = await browser.newContext({ viewport, locale: 'de-DE' });
  const page = await context.newPage();
  const failures = watchFailures(page);
  const pages: string[] = [];
  const visit = async (path: string, what: string) => {
    await page.goto(path);
    await audit(page, what);
    expect(failures.splice(0), `${what}: failed requests and script errors`).toEqual([]);
    pages.push(path);
  };

  // Signed out: the sign-in pages, an unknown magic link, invitation and notification link.
  await visit('/login', 'staff sign-in');
  await visit('/portal/login', 'portal sign-in');
  await visit('/portal/m/' + 'x'.repeat(43), 'magic link page (unknown)');
  await visit('/invite/' + 'x'.repeat(43), 'invitation page (unknown)');
  await visit('/notify/' + 'x'.repeat(43), 'notification settings by link (unknown)');

  // Staff with real data: a client with a case, an upload link, an invoice.
  await login(page);
  const email = `a11y-${tag}@kundin.de`;
  const clientId = await (await createClientApi(page, `Barrierefrei ${tag}`, email)).json();
  const caseId = await api(page, 'create_case', { client_id: clientId, title: 'Jahresabschluss' });
  await api(page, 'add_case_item', { case_id: caseId, title: 'Kontoauszüge', explanation: 'Alle Monate', required: 'on' });
  const link = await api(page, 'create_upload_link', { client_id: clientId, title: 'Unterlagen' });
  const invoice = await api(page, 'create_invoice', { client_id: clientId, kind: 'invoice' });
  await api(page, 'add_invoice_line', { id: invoice, description: 'Beratung', unit_price: '100' });
  await api(page, 'send_invoice', { id: invoice });
  const file = await sendFile(page, clientId, `Entwurf-${tag}.pdf`, pdfPages(1));
  await api(page, 'request_approval', { client_id: clientId, file_id: file, message: 'Bitte freigeben.' });
  for (const [path, what] of [
    ['/', 'dashboard'],
    ['/clients', 'client list'],
    ['/clients/new', 'new client'],
    [`/clients/${clientId}`, 'client detail'],
    [`/cases/${caseId}`, 'case detail'],
    ['/templates', 'templates'],
    ['/invoices', 'invoices'],
    [`/invoices/${invoice}`, 'invoice'],
    ['/tickets', 'tickets'],
    ['/team', 'team'],
    ['/settings', 'settings'],
    ['/notifications', 'notifications'],
    ['/audit', 'audit trail'],
    [`/files/${file}/review`, 'file review (marks)'],
  ]) {
    await visit(path, what);
  }

  // The public upload page of the link, signed out.
  const anonymous = await browser.newContext({ viewport, locale: 'de-DE' });
  const uploader = await anonymous.newPage();
  await uploader.goto(new URL(link.url).pathname);
  await audit(uploader, 'public upload page');
  pages.push('/u/…');
  await anonymous.close();

  // The client's portal.
  const phone = await browser.newContext({ viewport, locale: 'de-DE' });
  const client = await phone.newPage();
  const clientFailures = watchFailures(client);
  await portalLogin(client, email);
  const ticket = await api(client, 'open_ticket', { subject: 'Frage zur Rechnung', text: 'Wann ist sie fällig?' });
  for (const [path, what] of [
    ['/portal', 'portal home'],
    ['/portal/invoices', 'portal invoices'],
    [`/portal/invoices/${invoice}`, 'portal invoice'],
    ['/portal/tickets', 'portal tickets'],
    [`/portal/tickets/${ticket}`, 'portal ticket'],
    ['/portal/hours', 'portal hours'],
    [`/portal/files/${file}/review`, 'portal file review (approval)'],
  ]) {
    await client.goto(path);
    await audit(client, what);
    // Give what a page fetches after hydration (the portal home's chat, approvals, hours)
    // time to answer.
    await client.waitForLoadState('networkidle');
    expect(clientFailures.splice(0), `${what}: failed requests and script errors`).toEqual([]);
    pages.push(path);
  }
  await phone.close();

  // The ticket as staff see it.
  await visit(`/tickets/${ticket}`, 'ticket');
  await context.close();
  return pages;
}
