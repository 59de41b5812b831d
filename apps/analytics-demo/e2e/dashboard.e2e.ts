// Issue 11: the built-in dashboard at /_obs in a real browser (Debian's chromium through
// playwright-core), after real traffic to the demo. Every page renders with data and without a
// console error; a request id in Logs shows that request's lines; a trace opens on its spans;
// acknowledging an alert in the page changes it in GET /alerts. A screenshot of each page goes to
// artifacts/.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { notInstalled } from '../../../scripts/real-servers';
import { createTarget, eventBatch, type Target } from '../scripts/traffic';
import { ADMIN_TOKEN, ARTIFACTS, api, record, startDemo, type Demo } from './harness';
import { CHROMIUM, CHROMIUM_LAUNCH } from '../../../scripts/chromium';

const installed = existsSync(CHROMIUM);
if (!installed) notInstalled('chromium');

let demo: Demo | undefined;
let target: Target;
let browser: BrowserContext | undefined;
let profile: string;
const problems: string[] = [];
/** Every wait for the page: long, because chromium on a busy machine is slow, never wrong. */
const WAIT_MS = 60_000;

/** A few seconds of the demo's own kinds of traffic: the sampler takes a point every 2 s. */
async function traffic(seconds: number): Promise<number> {
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${target.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${target.key}`, ...headers },
    });
  const ws = `/api/v1/workspaces/${target.workspace}`;
  let sent = 0;
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const responses = await Promise.all([
      fetch(`${target.baseUrl}${ws}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${target.key}`, 'content-type': 'application/json' },
        body: eventBatch(target, 20, 1000),
      }),
      get(`${ws}/analytics?group_by=agent`),
      get(`${ws}/credits`),
      get(`${ws}/active-users?window=1h`),
      get(`${ws}/credits`, { 'x-fault': 'error' }), // a 500, for the error rate
      fetch(`${target.baseUrl}${ws}/agents`), // a 401
      api(demo!, 'POST', '/api/v1/jobs/rollup'), // background jobs, active users
    ]);
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    sent += responses.length;
    await new Promise((r) => setTimeout(r, 100));
  }
  return sent;
}

beforeAll(async () => {
  if (!installed) return;
  // Every trace kept, so the Traces page has the requests of this test.
  demo = await startDemo({
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '1',
  });
  target = await createTarget(demo.url, ADMIN_TOKEN, 'dashboard');
  await traffic(7);
  // An alert from Alertmanager's webhook: active, to acknowledge from the page.
  const webhook = await api(demo, 'POST', '/alerts/webhook', {
    version: '4',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'DashboardE2E', severity: 'warning' },
        annotations: { summary: 'raised by the dashboard end-to-end test' },
        startsAt: new Date().toISOString(),
      },
    ],
  });
  expect(webhook.status).toBe(200);

  profile = mkdtempSync(join(tmpdir(), 'e2e-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    ...CHROMIUM_LAUNCH,
    timeout: 30_000,
    viewport: { width: 1400, height: 1800 },
  });
  // The token the pages would ask for once, held as they keep it (no 401 logged first).
  await browser.addInitScript(
    `sessionStorage.setItem('obs.dashboard.token', ${JSON.stringify(ADMIN_TOKEN)})`,
  );
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
  demo?.cleanup();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function open(hash: string, ready: string): Promise<Page> {
  if (!browser || !demo) throw new Error('the demo or the browser did not start');
  const page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${hash}: console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${hash}: page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`${hash}: request failed: ${r.url()}`));
  await page.goto(`${demo.url}/_obs/#/${hash}`, { waitUntil: 'load', timeout: WAIT_MS });
  await page.waitForSelector(`body[data-ready="${ready}"]`, {
    state: 'attached',
    timeout: WAIT_MS,
  });
  return page;
}

const count = (page: Page, testid: string) => page.locator(`[data-testid="${testid}"]`).count();
const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });

const run = installed ? it : it.skip;

describe('the built-in dashboard in a real browser', () => {
  run('draws the overview: every chart, the route table and the health checks', async () => {
    const started = Date.now();
    const page = await open('overview', 'overview');
    const charts = await count(page, 'chart');
    expect(charts).toBe(7);
    const routes = await page.locator('[data-testid="route-row"]').allInnerTexts();
    expect(routes.join('\n')).toContain('/api/v1/workspaces/:workspaceId/events');
    expect(await count(page, 'health-check')).toBeGreaterThanOrEqual(4);
    await shot(page, 'overview');
    await page.close();
    record(
      'dashboard',
      'overview in chromium',
      `${charts} charts, ${routes.length} routes, ${Date.now() - started} ms to drawn`,
    );
  });

  run('draws the business panels from the demo’s own metrics', async () => {
    const page = await open('business', 'business');
    expect(await count(page, 'chart')).toBe(6);
    await shot(page, 'business');
    await page.close();
  });

  run('shows the lines of one request when its request id is clicked', async () => {
    const page = await open('logs', 'logs');
    expect(await count(page, 'log-row')).toBeGreaterThan(10);
    const link = page.locator('[data-testid="request-id"]').first();
    const requestId = await link.innerText();
    await link.click();
    const id = JSON.stringify(requestId);
    await page.waitForFunction(
      `(() => { const links = [...document.querySelectorAll('[data-testid="request-id"]')]; return location.hash.includes('request_id=' + ${id}) && document.body.dataset.ready === 'logs' && links.length > 0 && links.every((a) => a.textContent === ${id}); })()`,
      undefined,
      { timeout: WAIT_MS },
    );
    const lines = await page.locator('[data-testid="log-row"]').allInnerTexts();
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.join('\n')).toContain('request completed');
    // Each of those lines is the request's own, as the demo's log file says.
    const inFile = demo!.logs().filter((r) => r.request_id === requestId);
    expect(lines.length).toBe(inFile.length);
    await shot(page, 'logs');
    await page.close();
  });

  run('opens a trace on its spans, with their attributes', async () => {
    const page = await open('traces', 'traces');
    await page.waitForSelector('[data-testid="trace-row"]', { timeout: WAIT_MS });
    await shot(page, 'traces');
    // An analytics query: its request span, and the traced calculation under it.
    await page.locator('[data-testid="trace-row"]', { hasText: '/analytics' }).first().click();
    await page.waitForSelector('body[data-ready="trace"]', { state: 'attached', timeout: WAIT_MS });
    expect(await count(page, 'span-bar')).toBeGreaterThanOrEqual(2);
    await page.locator('[data-testid="span-bar"]').first().click();
    await page.waitForSelector('[data-testid="span-details"]', { timeout: WAIT_MS });
    expect(await page.locator('[data-testid="span-details"]').innerText()).toContain(
      'http.request.method',
    );
    await shot(page, 'trace');
    await page.close();
  });

  run('acknowledges an alert from the page, which GET /alerts then shows', async () => {
    const page = await open('alerts', 'alerts');
    const row = page.locator('[data-testid="alert-row"]', { hasText: 'DashboardE2E' });
    await row.locator('[data-testid="ack"]').click();
    const state = async () => {
      const body = (await (await api(demo!, 'GET', '/alerts')).json()) as {
        alerts: { name: string; state: string; acknowledgedBy?: string }[];
      };
      return body.alerts.find((a) => a.name === 'DashboardE2E');
    };
    const deadline = Date.now() + WAIT_MS;
    while ((await state())?.state !== 'acknowledged' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(await state()).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'dashboard' });
    await shot(page, 'alerts');
    await page.close();
  });

  run('logged no console error and failed no request on any page', () => {
    expect(problems).toEqual([]);
  });
});
