import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from '@jest/globals';
import { app, obs } from './app';

/** The JSON lines `src/app.ts` writes on stdout when it answers one request, run as a user would. */
async function logLinesOfOneRequest(requestId: string): Promise<Record<string, unknown>[]> {
  const script = `
    const { app, obs } = await import('./src/app.ts');
    await app.request('/hello/ada', { headers: { 'X-Request-ID': '${requestId}' } });
    await obs.shutdown();
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--conditions=@obs/source', '--input-type=module', '-e', script],
    {
      cwd: `${__dirname}/..`,
      // This jest config keeps the in-process app quiet (LOG_LEVEL=error); the child logs as run.
      env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'info', LOG_FORMAT: 'json' },
    },
  );
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

afterAll(() => obs.shutdown());

describe('the minimal example', () => {
  it('answers its route with a request id', async () => {
    const res = await app.request('/hello/ada');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'hello, ada' });
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('writes JSON log lines that carry the request id and the trace id', async () => {
    const lines = await logLinesOfOneRequest('req-example-1');
    expect(lines.map((l) => l.message)).toEqual(['greeting', 'request completed']);
    const traceId = lines[0]!.trace_id;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    for (const line of lines)
      expect(line).toMatchObject({
        service: 'minimal',
        request_id: 'req-example-1',
        trace_id: traceId,
      });
  }, 120_000); // a child Node with tsx: slow on a busy machine; the limit only guards a hang

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
