import { afterAll, describe, expect, it } from '@jest/globals';
import { app, obs } from './app';

afterAll(() => obs.shutdown());

describe('the minimal example', () => {
  it('answers its route with a request id', async () => {
    const res = await app.request('/hello/ada');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'hello, ada' });
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('counts requests by route template on /metrics', async () => {
    await app.request('/hello/grace');
    const text = await (await app.request('/metrics')).text();
    expect(text).toMatch(/http_requests_total\{[^}]*route="\/hello\/:name"[^}]*\}/);
    expect(text).not.toContain('/hello/grace');
  });

  it('serves the probes', async () => {
    for (const path of ['/health', '/ready', '/live'])
      expect((await app.request(path)).status).toBe(200);
  });

  it('answers an unknown path as problem+json', async () => {
    const res = await app.request('/nope');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});
