// Lighthouse (npm, 12.2.3 — 13 needs Node 22) in Debian's headless Chromium with its default
// mobile emulation (a mid-range phone, 4x CPU slowdown, simulated slow 4G) on the two pages
// clients see: the portal home (a client signed in by its secret link, demo data) and the
// public upload page of an upload link. Prints the accessibility, best-practices and
// performance scores (targets: 100, >= 95, >= 90) and the main timings; asserts nothing.
// BENCH_LH_SAVE=1 also writes each full report to /tmp/lh-<page>.json.
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';
import { demoServer, portalCookie } from './lib.mjs';

async function main() {
  const { base, server, post } = await demoServer(3251, 'bench-lighthouse');
  let chrome;
  try {
    const { client, cookie } = await portalCookie(base, post);
    const link = await post('create_upload_link', { client_id: client, title: 'Unterlagen 2025' });

    chrome = await chromeLauncher.launch({
      chromePath: '/usr/bin/chromium',
      chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const pages = [
      ['portal home (signed in)', `${base}/portal`, { Cookie: cookie }],
      ['public upload page', `${base}${new URL(link.url).pathname}`, {}],
    ];
    for (const [name, url, headers] of pages) {
      const result = await lighthouse(url, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: ['accessibility', 'best-practices', 'performance'],
        extraHeaders: headers,
      });
      const { categories: c, audits: a } = result.lhr;
      if (process.env.BENCH_LH_SAVE) {
        (await import('node:fs')).writeFileSync(`/tmp/lh-${name.split(' ')[0]}.json`, JSON.stringify(result.lhr));
      }
      const score = (k) => Math.round(c[k].score * 100);
      const ms = (k) => `${(a[k].numericValue / 1000).toFixed(2)} s`;
      console.log(
        `Lighthouse, mobile, ${name.padEnd(24)} accessibility ${score('accessibility')}, ` +
          `best practices ${score('best-practices')}, performance ${score('performance')} ` +
          `(FCP ${ms('first-contentful-paint')}, LCP ${ms('largest-contentful-paint')}, ` +
          `TBT ${Math.round(a['total-blocking-time'].numericValue)} ms, CLS ${a['cumulative-layout-shift'].numericValue.toFixed(3)})`,
      );
      for (const k of ['accessibility', 'best-practices', 'performance']) {
        const lost = c[k].auditRefs
          .map((r) => a[r.id])
          .filter((x) => x && x.score !== null && x.score < 1 && x.scoreDisplayMode !== 'informative' && x.scoreDisplayMode !== 'notApplicable')
          .map((x) => x.id);
        if (lost.length && score(k) < 100) console.log(`  ${k}: not full marks on ${lost.slice(0, 8).join(', ')}`);
      }
      // What the browser's console complained about, if anything (best practices).
      for (const e of (a['errors-in-console']?.details?.items ?? []).slice(0, 5)) {
        console.log(`  console: ${e.source}: ${String(e.description).slice(0, 200)} ${e.sourceLocation?.url ?? e.url ?? ''}`);
      }
      const lcp = a['largest-contentful-paint-element']?.details?.items?.[0]?.items?.[0]?.node;
      if (lcp) console.log(`  largest contentful paint: ${lcp.nodeLabel} (${lcp.selector})`);
    }
  } finally {
    if (chrome) await chrome.kill();
    server.kill('SIGKILL');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
