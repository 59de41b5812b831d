// Issue 10, part 7: the demo's /docs in a real browser (Debian's chromium, driven by
// playwright-core; no downloaded browsers). Swagger UI's assets come from the demo itself; the page
// must list the API's routes, and a screenshot is kept for CI under artifacts/.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { notInstalled } from '../../../scripts/real-servers';
import { ARTIFACTS, record, startDemo, type Demo } from './harness';
import { CHROMIUM, CHROMIUM_LAUNCH } from '../../../scripts/chromium';

const installed = existsSync(CHROMIUM);
if (!installed) notInstalled('chromium');

let demo: Demo | undefined;
let browser: BrowserContext | undefined;
let profile: string;
beforeAll(async () => {
  if (!installed) return;
  demo = await startDemo();
  profile = mkdtempSync(join(tmpdir(), 'e2e-chromium-'));
  // A fresh profile each run (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    ...CHROMIUM_LAUNCH,
    timeout: 30_000,
    viewport: { width: 1280, height: 2000 },
  });
});
afterAll(async () => {
  await browser?.close();
  await demo?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('the docs in a real browser', () => {
  (installed ? it : it.skip)('/docs loads Swagger UI and lists the API routes', async () => {
    const started = Date.now();
    if (!demo || !browser) throw new Error('the demo or the browser did not start');
    const { url } = demo;
    const page = await browser.newPage();
    const failed: string[] = [];
    const offHost: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    page.on('request', (r) => {
      if (!r.url().startsWith(url) && !r.url().startsWith('data:')) offHost.push(r.url());
    });
    const res = await page.goto(`${url}/docs`, { waitUntil: 'load', timeout: 30_000 });
    expect(res?.status()).toBe(200);
    await page
      .getByText('/api/v1/workspaces/{workspaceId}/events', { exact: true })
      .first()
      .waitFor({ timeout: 30_000 });
    const paths = await page.locator('.opblock-summary-path').allTextContents();
    for (const path of [
      '/api/v1/workspaces',
      '/api/v1/workspaces/{workspaceId}',
      '/api/v1/workspaces/{workspaceId}/agents',
      '/api/v1/workspaces/{workspaceId}/events',
      '/api/v1/workspaces/{workspaceId}/analytics',
      '/api/v1/workspaces/{workspaceId}/credits',
      '/api/v1/jobs/rollup',
    ])
      expect(paths.map((p) => p.replace(/\u200b/g, '').trim())).toContain(path);
    expect(failed).toEqual([]);
    expect(offHost).toEqual([]);

    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, 'docs.png');
    await page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(10_000);
    record(
      'browser',
      '/docs in chromium',
      `${paths.length} operations listed, screenshot artifacts/docs.png, ${Date.now() - started} ms`,
    );
  });
});
