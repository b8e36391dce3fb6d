import { defineConfig, devices } from '@playwright/test';

// The real server (debug build from `cargo leptos build`) on a fresh SQLite data directory.
const PORT = 3100;
export const BASE_URL = `http://127.0.0.1:${PORT}`;
/** The SMTP catcher's HTTP side (end2end/smtp-catcher.mjs). */
export const MAIL_URL = 'http://127.0.0.1:3126';
/** The app's inbound SMTP listener (replies by e-mail). */
export const INBOUND_SMTP_PORT = 3128;

const chromium = {
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    baseURL: BASE_URL,
    launchOptions: chromium,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    locale: 'de-DE',
  },
  projects: [
    { name: 'desktop', use: { viewport: { width: 1280, height: 800 } }, testIgnore: /mobile/ },
    {
      name: 'mobile',
      dependencies: ['desktop'],
      testMatch: /mobile/,
      use: { ...devices['Pixel 5'], viewport: { width: 375, height: 740 }, launchOptions: chromium },
    },
  ],
  webServer: [{
    // A real SMTP server that keeps the mails for the tests (see smtp-catcher.mjs).
    command: 'node smtp-catcher.mjs',
    url: `${MAIL_URL}/messages`,
    timeout: 30_000,
    reuseExistingServer: false,
  }, {
    // A local Stripe-compatible server: Checkout Sessions, a payment page, signed webhooks.
    command: 'node stripe-fake.mjs',
    url: 'http://127.0.0.1:3127/healthz',
    timeout: 30_000,
    reuseExistingServer: false,
  }, {
    // Server output goes to the test log (filtered from the summary by scripts/test.sh).
    command: '../target/debug/kundenportal serve',
    url: `${BASE_URL}/healthz`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    env: {
      LEPTOS_SITE_ROOT: '../target/site',
      KUNDENPORTAL_SERVER_LISTEN: `127.0.0.1:${PORT}`,
      KUNDENPORTAL_SERVER_PUBLIC_URL: BASE_URL,
      KUNDENPORTAL_SERVER_DATA_DIR: '.data',
      KUNDENPORTAL_LOG: 'info',
      KUNDENPORTAL_MAIL_SMTP_URL: 'smtp://127.0.0.1:3125',
      KUNDENPORTAL_PAYMENTS_STRIPE_API: 'http://127.0.0.1:3127',
      // Replies by e-mail: the app's own SMTP listener (tests inject replies there).
      KUNDENPORTAL_INBOUND_REPLY_DOMAIN: 'reply.kundenportal.test',
      KUNDENPORTAL_INBOUND_SMTP_LISTEN: `127.0.0.1:${INBOUND_SMTP_PORT}`,
    },
  }],
});
