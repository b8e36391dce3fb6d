import { test, expect } from '@playwright/test';
import { createHash, randomBytes } from 'node:crypto';
import * as tus from 'tus-js-client';
import { BASE_URL } from '../playwright.config';
import { createClientApi, login } from './helpers';

// The reference JavaScript client of the tus project, run in Node against our endpoint with an
// upload link's token: a standard client must be able to upload, resume and finish.
test('tus-js-client uploads through an upload link', async ({ page }) => {
  await login(page);
  const clientId = await (await createClientApi(page, 'Tus Client KG', '')).json();
  const created = await page.request.post('/api/create_upload_link', {
    form: { client_id: clientId, title: 'tus-js-client' },
    headers: { Accept: 'application/json' },
  });
  expect(created.ok()).toBeTruthy();
  const token = (await created.json()).url.split('/').pop();

  const content = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(3 * 1024 * 1024 + 12345)]);
  let progressEvents = 0;
  await new Promise<void>((resolve, reject) => {
    const upload = new tus.Upload(content, {
      endpoint: `${BASE_URL}/api/uploads/`,
      headers: { Authorization: `Bearer ${token}` },
      metadata: { filename: 'Vertrag.pdf', filetype: 'application/pdf' },
      // Not a multiple of the 64 KiB segment: the server keeps whole segments and answers a
      // smaller offset each time, from which the client continues.
      chunkSize: 1_000_000,
      retryDelays: [0, 500, 1000],
      uploadDataDuringCreation: false,
      onProgress: () => { progressEvents++; },
      onError: reject,
      onSuccess: () => resolve(),
    });
    upload.start();
  });
  expect(progressEvents).toBeGreaterThan(0);

  const files = await (await page.request.post('/api/list_client_files', {
    form: { client_id: clientId },
    headers: { Accept: 'application/json' },
  })).json();
  expect(files[0].name).toBe('Vertrag.pdf');
  expect(files[0].quarantined).toBe(false);
  const download = await page.request.get(`/api/files/${files[0].id}/download`);
  expect(createHash('sha256').update(await download.body()).digest('hex'))
    .toBe(createHash('sha256').update(content).digest('hex'));
});
