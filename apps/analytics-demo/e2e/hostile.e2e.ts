// Issue 10, part 6: hostile input against the running demo over real HTTP. A table of malformed,
// oversized, deeply nested, mis-encoded and malicious requests (raw bytes through node:net where
// fetch cannot say them): each must get a 4xx problem+json with a clear message and no stack
// trace, the process must stay up, and a normal request must work right after. Then a flood of
// distinct random URL paths: the metrics' route label and the memory must stay bounded.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTarget, eventBatch, type Target } from '../scripts/traffic';
import { ADMIN_TOKEN, record, startDemo, waitUntil, type Demo } from './harness';

const run = promisify(execFile);
const WS = 'hostile';

let demo: Demo;
let target: Target;
let other: Target;
beforeAll(async () => {
  demo = await startDemo();
  target = await createTarget(demo.url, ADMIN_TOKEN, WS);
  other = await createTarget(demo.url, ADMIN_TOKEN, 'bystander');
});
afterAll(() => demo.stop());

interface RawResponse {
  /** 0 when nothing could be read. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** EPIPE or ECONNRESET: the server closed the connection while the request was being written. */
  cutOff?: string;
}

/** Writes `bytes` on a fresh connection, half-closes it, and parses what comes back. */
function rawRequest(bytes: Buffer, timeoutMs = 120_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(demo.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let cutOff: string | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // The server may answer (413) and close before the whole body is written. Its answer may
      // have been read already, or lost with the reset: the caller decides with `cutOff`.
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') {
        cutOff = err.code;
        return;
      }
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0),
        headers,
        body: split < 0 ? '' : text.slice(split + 4),
        ...(cutOff ? { cutOff } : {}),
      });
    });
    socket.end(bytes);
  });
}

interface Spec {
  method?: string;
  path: string;
  /** `Bearer <token>`; the workspace key by default, `null` for none. */
  token?: string | null;
  /** Content-Type, `null` for none; `application/json` when there is a body. */
  type?: string | null;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** A well-formed HTTP/1.1 request, whatever its content, with the right Content-Length. */
function request(spec: Spec): Buffer {
  const body = typeof spec.body === 'string' ? Buffer.from(spec.body) : spec.body;
  const token = spec.token === undefined ? target.key : spec.token;
  const type = spec.type === undefined ? 'application/json' : spec.type;
  const headers: Record<string, string> = {
    Host: `127.0.0.1:${demo.port}`,
    Connection: 'close',
    ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
    ...(body && type !== null ? { 'Content-Type': type } : {}),
    ...(body ? { 'Content-Length': String(body.length) } : {}),
    ...spec.headers,
  };
  const head = `${spec.method ?? (body ? 'POST' : 'GET')} ${spec.path} HTTP/1.1\r\n${Object.entries(
    headers,
  )
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body ?? Buffer.alloc(0)]);
}

interface Case {
  name: string;
  /** The request's bytes (built when the case runs, once the workspace exists). */
  send: () => Buffer;
  /** The expected status, or any 4xx. */
  status?: number;
  /** Something the problem's detail or errors must say. */
  says?: RegExp;
}

const events = `/api/v1/workspaces/${WS}/events`;
const workspaces = '/api/v1/workspaces';
const analytics = `/api/v1/workspaces/${WS}/analytics`;
const event = (change: Record<string, unknown> = {}) => ({
  id: `evt-${Math.random().toString(36).slice(2)}`,
  user_id: 'user-1',
  agent_id: 'support-bot', // one of createTarget's agents
  type: 'chat.completion',
  credits: 3,
  occurred_at: new Date(Date.now() - 60_000).toISOString(),
  ...change,
});
const batch = (...list: unknown[]) => JSON.stringify({ events: list });
const json =
  (path: string, body: string | Buffer, extra: Partial<Spec> = {}) =>
  () =>
    request({ path, body, ...extra });
const get =
  (path: string, extra: Partial<Spec> = {}) =>
  () =>
    request({ path, ...extra });
const admin = { token: ADMIN_TOKEN };
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
const tenMB = 10 * 1024 * 1024;
const withBytes = (before: string, bytes: number[], after: string) =>
  Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);
const crlf = (name: string, value: string) => () =>
  Buffer.from(
    `GET ${analytics} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${target.key}\r\n${name}: ${value}\r\nConnection: close\r\n\r\n`,
  );
const sqli = encodeURIComponent("x' OR '1'='1'; DROP TABLE events;--");

const CASES: Case[] = [
  // Malformed and truncated JSON.
  { name: 'malformed JSON', send: json(events, '{"events":'), status: 400, says: /JSON/ },
  { name: 'JSON cut mid-string', send: json(events, '{"events":[{"id":"ab'), status: 400 },
  {
    name: 'trailing garbage after JSON',
    send: json(workspaces, '{"id":"a","name":"b"}}x', admin),
    status: 400,
  },
  { name: 'empty JSON body', send: json(events, ''), status: 400 },
  { name: 'single-quoted JSON', send: json(events, "{'events':[]}"), status: 400 },
  { name: 'NaN literal', send: json(events, '{"events":[{"credits":NaN}]}'), status: 400 },
  { name: 'JSON null', send: json(events, 'null'), status: 422 },
  { name: 'JSON array instead of object', send: json(events, '[1,2,3]'), status: 422 },
  { name: 'JSON string literal', send: json(workspaces, '"workspace"', admin), status: 422 },
  { name: 'events not an array', send: json(events, '{"events":{"0":{}}}'), status: 422 },
  {
    name: 'Content-Length above the body, connection half-closed',
    send: () =>
      Buffer.from(
        `POST ${events} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${target.key}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"events":[{"id":"a`,
      ),
    status: 400,
  },
  {
    name: 'Content-Length below the body',
    send: () =>
      request({ path: events, body: batch(event()), headers: { 'Content-Length': '20' } }),
    status: 400,
  },
  {
    name: 'broken chunked encoding',
    send: () =>
      Buffer.from(
        `POST ${events} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${target.key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
      ),
    status: 400,
  },
  {
    name: 'both Content-Length and chunked (smuggling)',
    send: () =>
      Buffer.from(
        `POST ${events} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${target.key}\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      ),
    status: 400,
  },
  // Wrong content types.
  {
    name: 'text/plain body',
    send: json(events, batch(event()), { type: 'text/plain' }),
    status: 415,
  },
  { name: 'no Content-Type', send: json(events, batch(event()), { type: null }), status: 415 },
  {
    name: 'form-encoded body',
    send: json(events, 'events=1', { type: 'application/x-www-form-urlencoded' }),
    status: 415,
  },
  {
    name: 'multipart body',
    send: json(events, '--b\r\n\r\nx\r\n--b--', { type: 'multipart/form-data; boundary=b' }),
    status: 415,
  },
  { name: 'XML body', send: json(events, '<events/>', { type: 'application/xml' }), status: 415 },
  // Size and depth.
  {
    name: '10 MB body on ingestion',
    send: json(events, `{"events":[${'"x",'.repeat(tenMB / 4)}"x"]}`),
    status: 413,
    says: /over \d+ bytes/,
  },
  {
    name: '10 MB chunked body on ingestion',
    send: () => {
      const chunk = 'x'.repeat(64 * 1024);
      const head = `POST ${events} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${target.key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
      const body = `${chunk.length.toString(16)}\r\n${chunk}\r\n`.repeat(tenMB / chunk.length);
      return Buffer.from(`${head}${body}0\r\n\r\n`);
    },
    status: 413,
  },
  {
    name: '10 MB workspace name',
    send: json(workspaces, JSON.stringify({ id: 'big', name: 'n'.repeat(tenMB) }), admin),
  },
  {
    name: '1001 events in one batch',
    send: () =>
      request({ path: events, body: batch(...Array.from({ length: 1001 }, () => event())) }),
    status: 413,
    says: /at most 1000/,
  },
  { name: '10 000-deep arrays', send: json(events, deep(10_000)), status: 422 },
  {
    name: '10 000-deep arrays as the batch',
    send: json(events, `{"events":${deep(10_000)}}`),
    status: 422,
  },
  {
    name: '10 000-deep objects in properties',
    send: () =>
      request({
        path: events,
        body: batch(event()).replace(
          '"credits":3',
          `"credits":3,"properties":${deepObject(10_000)}`,
        ),
      }),
    status: 422,
  },
  // Encoding.
  {
    name: 'invalid UTF-8 in the body',
    send: () =>
      request({ path: events, body: withBytes('{"events":[{"id":"', [0xff, 0xfe, 0xc3], '"}]}') }),
    status: 400,
    says: /UTF-8/,
  },
  {
    name: 'overlong UTF-8 encoding of "/"',
    send: () =>
      request({ path: events, body: withBytes('{"events":[{"id":"', [0xc0, 0xaf], '"}]}') }),
    status: 400,
  },
  {
    name: 'raw invalid UTF-8 bytes in the path',
    send: () =>
      Buffer.concat([
        Buffer.from('GET /api/v1/workspaces/'),
        Buffer.from([0xff, 0xc3, 0x28]),
        Buffer.from(
          ` HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${target.key}\r\nConnection: close\r\n\r\n`,
        ),
      ]),
  },
  {
    name: 'percent-encoded invalid UTF-8 in the path',
    send: get('/api/v1/workspaces/%ff%c3%28', admin),
    status: 404,
  },
  {
    name: 'a lone surrogate in an id',
    send: json(events, batch(event({ id: '\ud800' }))),
    status: 422,
  },
  { name: 'NUL in an id', send: json(events, batch(event({ id: 'a\u0000b' }))), status: 422 },
  // Prototype keys.
  {
    name: '__proto__ carrying the required fields',
    send: json(workspaces, '{"__proto__":{"id":"proto","name":"Proto"}}', admin),
    status: 422,
  },
  {
    name: 'constructor.prototype carrying the required fields',
    send: json(workspaces, '{"constructor":{"prototype":{"id":"ctor","name":"C"}}}', admin),
    status: 422,
  },
  {
    name: '__proto__ as an event',
    send: () =>
      request({ path: events, body: `{"events":[{"__proto__":${JSON.stringify(event())}}]}` }),
    status: 422,
  },
  {
    name: '__proto__ in properties of an invalid event',
    send: () =>
      request({
        path: events,
        body: batch(event({ credits: -1 })).replace(
          '"credits":-1',
          '"credits":-1,"properties":{"__proto__":{"admin":true}}',
        ),
      }),
    status: 422,
  },
  // Request id and trace context.
  {
    name: 'CRLF (folded line) in X-Request-ID',
    send: crlf('X-Request-ID', 'abc\r\n X-Injected: 1'),
    status: 400,
  },
  {
    name: 'bare LF in X-Request-ID',
    send: crlf('X-Request-ID', 'abc\nSet-Cookie: a=b'),
    status: 400,
  },
  {
    name: 'bare CR in traceparent',
    send: crlf('traceparent', '00-0af7651916cd43dd8448eb211c80319c\r-b7ad6b7169203331-01'),
    status: 400,
  },
  {
    name: 'CRLF continuation in traceparent',
    send: crlf('traceparent', '00-x\r\n -y'),
    status: 400,
  },
  {
    name: '10 kB X-Request-ID (unauthenticated)',
    send: get(analytics, { token: null, headers: { 'X-Request-ID': 'r'.repeat(10_240) } }),
    status: 401,
  },
  {
    name: '10 kB traceparent (bad token)',
    send: get(analytics, {
      token: 'nope',
      headers: { traceparent: `00-${'f'.repeat(10_240)}-01` },
    }),
    status: 401,
  },
  {
    name: 'malformed traceparent and tracestate on a bad body',
    send: json(events, '{', {
      headers: { traceparent: 'zz-not-a-trace', tracestate: '=,=,'.repeat(200) },
    }),
    status: 400,
  },
  {
    name: '100 kB of headers',
    send: get(analytics, { headers: { 'X-Big': 'b'.repeat(100_000) } }),
    status: 431,
  },
  // Injection and traversal in parameters.
  {
    name: 'SQL injection in the workspace id',
    send: get(`/api/v1/workspaces/${sqli}/credits`, admin),
    status: 404,
  },
  { name: 'SQL injection in group_by', send: get(`${analytics}?group_by=${sqli}`), status: 422 },
  {
    name: 'SQL injection in from',
    send: get(`${analytics}?from=2026-01-01T00:00:00Z${sqli}`),
    status: 422,
  },
  {
    name: 'SQL injection in a workspace id (body)',
    send: json(workspaces, JSON.stringify({ id: decodeURIComponent(sqli), name: 'x' }), admin),
    status: 422,
  },
  {
    name: 'SQL injection in an agent id (event)',
    send: json(events, batch(event({ agent_id: decodeURIComponent(sqli) }))),
    status: 422,
  },
  {
    name: 'encoded path traversal in the workspace id',
    send: get('/api/v1/workspaces/..%2f..%2f..%2fetc%2fpasswd', admin),
    status: 404,
  },
  {
    name: 'path traversal to a docs asset',
    send: get('/docs/assets/swagger-ui-dist/..%2f..%2f..%2fpackage.json'),
    status: 404,
  },
  {
    name: 'dot segments in the docs path',
    send: get('/docs/assets/swagger-ui-dist/%2e%2e/%2e%2e/%2e%2e/etc/passwd'),
    status: 404,
  },
  {
    name: 'raw dot segments in the request line',
    send: get('/docs/assets/../../../../etc/passwd'),
    status: 404,
  },
  // Numbers.
  {
    name: 'negative credits',
    send: json(events, batch(event({ credits: -5 }))),
    status: 422,
    says: /credits/,
  },
  {
    name: 'huge credits (1e300)',
    send: json(events, batch(event()).replace('"credits":3', '"credits":1e300')),
    status: 422,
  },
  {
    name: 'credits beyond 2^53',
    send: json(events, batch(event()).replace('"credits":3', '"credits":9007199254740993')),
    status: 422,
  },
  { name: 'credits as a string', send: json(events, batch(event({ credits: '5' }))), status: 422 },
  { name: 'negative limit', send: get(`${workspaces}?limit=-1`, admin), status: 422 },
  {
    name: 'huge limit',
    send: get(`${workspaces}?limit=99999999999999999999999`, admin),
    status: 422,
  },
  { name: 'NaN offset', send: get(`${workspaces}?offset=NaN`, admin), status: 422 },
  {
    name: 'year 275760 in from',
    send: get(`${analytics}?from=275760-09-13T00:00:00Z`),
    status: 422,
  },
  // Duplicates, unknowns and credentials.
  {
    name: 'duplicate event ids in one batch',
    send: () => {
      const e = event();
      return request({ path: events, body: batch(e, { ...e }) });
    },
    status: 422,
    says: /duplicate/,
  },
  {
    name: 'unknown agent',
    send: json(events, batch(event({ agent_id: 'ghost' }))),
    status: 422,
    says: /ghost/,
  },
  {
    name: 'unknown workspace (admin)',
    send: get('/api/v1/workspaces/no-such-ws/credits', admin),
    status: 404,
  },
  {
    name: "another workspace's data",
    send: () => request({ path: '/api/v1/workspaces/bystander/credits' }),
    status: 403,
  },
  { name: 'no credentials', send: get(analytics, { token: null }), status: 401 },
  {
    name: 'a made-up key',
    send: get(analytics, { token: 'obs_notarealkeyatall0000000000000000000000000' }),
    status: 401,
  },
  { name: 'a 10 kB token', send: get(analytics, { token: 'k'.repeat(10_240) }), status: 401 },
  {
    name: 'Basic credentials',
    send: get(analytics, { token: null, headers: { Authorization: 'Basic YWRtaW46YWRtaW4=' } }),
    status: 401,
  },
  {
    name: 'admin-only job with a workspace key',
    send: () => request({ method: 'POST', path: '/api/v1/jobs/rollup' }),
    status: 403,
  },
  { name: 'unknown route', send: get('/api/v1/nothing-here'), status: 404 },
  {
    name: 'unsupported method',
    send: get(`/api/v1/workspaces/${WS}`, { method: 'DELETE' }),
    status: 404,
  },
];

const STACK = /\bat \S+ \(|\bat \S+:\d+:\d+|node_modules|\/src\/\S+\.ts|\.js:\d+/;

/** How many requests the server has answered with `status`, by its own `http_requests_total`. */
async function answered(status: number): Promise<number> {
  const exposition = await (await fetch(`${demo.url}/metrics`)).text();
  let total = 0;
  for (const [, value] of exposition.matchAll(
    new RegExp(`^http_requests_total\\{[^}]*status="${status}"[^}]*\\} (\\S+)`, 'gm'),
  ))
    total += Number(value);
  return total;
}

/** A whole response was read: a status line and as many body bytes as it announced. */
function whole(res: RawResponse): boolean {
  const length = Number(res.headers['content-length']);
  return res.status !== 0 && (!res.cutOff || Buffer.byteLength(res.body) === length);
}

describe('hostile input', () => {
  const figures = { cases: 0, handled: 0, byStatus: new Map<number, number>() };
  afterAll(() =>
    record(
      'hostile',
      'fuzz table',
      `cases ${figures.cases}, handled ${figures.handled} (4xx problem+json, no stack, alive, next request 200); ` +
        [...figures.byStatus]
          .sort(([a], [b]) => a - b)
          .map(([s, n]) => `${s}×${n}`)
          .join(' '),
    ),
  );

  it('has at least 40 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, spec) => {
    figures.cases++;
    const before = spec.status === 413 ? await answered(413) : 0;
    const res = await rawRequest(spec.send());
    let status = res.status;
    if (!whole(res)) {
      // The server refused the body early (413) and closed while the client was still writing
      // it; the reset that follows can drop its answer before the client reads it. Then the
      // server's own count must show the 413.
      expect(res.cutOff).toMatch(/^(EPIPE|ECONNRESET)$/);
      expect(spec.status).toBe(413);
      if (res.status !== 0) expect(res.status).toBe(413);
      await waitUntil(async () => (await answered(413)) > before, 60_000, 'the 413 counted');
      status = 413;
    } else {
      if (spec.status) expect(res.status).toBe(spec.status);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers['content-type']).toContain('application/problem+json');
      const problem = JSON.parse(res.body) as { status: number; title: string; detail?: string };
      expect(problem.status).toBe(res.status);
      expect(problem.detail ?? problem.title).toMatch(/\w{3,}/);
      if (spec.says) expect(res.body).toMatch(spec.says);
      expect(res.body).not.toMatch(STACK);
      // Response headers never echo an injected line, and stay short.
      expect(Object.keys(res.headers)).not.toContain('x-injected');
      expect(Object.keys(res.headers)).not.toContain('set-cookie');
      for (const value of Object.values(res.headers)) expect(value.length).toBeLessThan(1024);
    }

    expect(demo.child.exitCode).toBeNull();
    const next = await fetch(`${demo.url}/api/v1/workspaces/${WS}/credits`, {
      headers: { authorization: `Bearer ${target.key}` },
    });
    expect(next.status).toBe(200);
    figures.handled++;
    figures.byStatus.set(status, (figures.byStatus.get(status) ?? 0) + 1);
  });

  it('kept accepted data intact: a real batch still ingests, and no hostile workspace exists', async () => {
    const res = await fetch(`${demo.url}${events}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.key}`, 'content-type': 'application/json' },
      body: eventBatch(target, 5, 60_000),
    });
    expect(await res.json()).toMatchObject({ accepted: 5, duplicates: 0 });
    const list = (await (
      await fetch(`${demo.url}${workspaces}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
    ).json()) as { items: { id: string }[] };
    expect(list.items.map((w) => w.id).sort()).toEqual(['bystander', WS]);
    expect(other.key).not.toBe(target.key);
    // Nothing the table sent was counted as a server error (aborted uploads included).
    const exposition = await (await fetch(`${demo.url}/metrics`)).text();
    expect(exposition).not.toMatch(/^http_requests_total\{[^}]*status="5\d\d"/m);
  });
});

/** The RSS gauge and the `http_requests_total` series in an exposition. */
function scrape(exposition: string) {
  const series = exposition.split('\n').filter((l) => l.startsWith('http_requests_total{'));
  const routes = new Set(series.map((l) => /route="([^"]*)"/.exec(l)?.[1] ?? ''));
  const rss = Number(/^process_resident_memory_bytes(?:\{[^}]*\})? (\S+)/m.exec(exposition)?.[1]);
  return { series, routes, rss, bytes: exposition.length };
}

// 1M paths at 3–4k/s here take 4–5.5 minutes; the cap bounds a slower (or busier) machine.
const FLOOD_SECONDS = Number(process.env.E2E_FLOOD_SECONDS ?? 420);
const FLOOD_TARGET = 1_000_000;
// Enough distinct paths to prove the bounds below (100× the series limit), whatever the rate.
const FLOOD_ENOUGH = 20_000;

describe('a flood of distinct random paths', () => {
  it(
    `keeps the route label and memory bounded (up to ${FLOOD_TARGET} paths, ${FLOOD_SECONDS} s at most)`,
    async () => {
      const before = scrape(await (await fetch(`${demo.url}/metrics`)).text());
      // Each wrk thread numbers its paths after a random prefix of its own: every path is new. Most
      // match no route at all; some fall under a route template (a docs asset, a workspace).
      const perThread = FLOOD_TARGET / 2;
      const script = `
local n = 0
local prefix = ''
local shapes = { '/%s', '/%s/%s', '/docs/assets/swagger-ui-dist/%s', '/x/%s?q=%s' }
function init(args) math.randomseed(os.time() + math.floor(os.clock() * 1e6) + tonumber(tostring({}):sub(8), 16)); prefix = string.format('%08x', math.random(0, 0x7fffffff)) end
function request()
  n = n + 1
  local id = prefix .. '-' .. n
  return wrk.format('GET', string.format(shapes[n % 4 + 1], id, id))
end
function response(status, headers, body)
  if n >= ${perThread} then wrk.thread:stop() end
end
`;
      const file = join(mkdtempSync(join(tmpdir(), 'e2e-wrk-')), 'paths.lua');
      writeFileSync(file, script);
      const started = Date.now();
      const { stdout } = await run(
        'wrk',
        // A busy machine answers slowly, not wrongly: wrk's timeout only catches a hung request.
        ['-t2', '-c64', `-d${FLOOD_SECONDS}s`, '--timeout', '60s', '-s', file, demo.url],
        { timeout: (FLOOD_SECONDS + 30) * 1000 },
      );
      const seconds = (Date.now() - started) / 1000;
      const sent = Number(/(\d+) requests in/.exec(stdout)?.[1]);
      expect(stdout).not.toMatch(/Socket errors/);
      expect(sent).toBeGreaterThan(FLOOD_ENOUGH); // a count, not a rate
      expect(demo.child.exitCode).toBeNull();

      const after = scrape(await (await fetch(`${demo.url}/metrics`)).text());
      // Only route templates (they start with "/" and name parameters, never a wrk prefix) and the
      // one shared value for unmatched paths.
      for (const route of after.routes) expect(route).toMatch(/^(__unmatched__|\/[\w/:{}.-]*)$/);
      for (const route of after.routes) expect(route).not.toMatch(/[0-9a-f]{8}-\d+/);
      expect(after.routes).toContain('__unmatched__');
      expect(after.series.length).toBeLessThan(200);
      expect(after.bytes).toBeLessThan(before.bytes + 256 * 1024);
      expect(after.rss).toBeLessThan(before.rss + 256 * 2 ** 20);
      expect(after.rss).toBeLessThan(1024 * 2 ** 20);
      const ok = await fetch(`${demo.url}/api/v1/workspaces/${WS}/credits`, {
        headers: { authorization: `Bearer ${target.key}` },
      });
      expect(ok.status).toBe(200);

      const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
      record(
        'hostile',
        'random URL paths',
        `sent ${sent} distinct paths in ${seconds.toFixed(0)} s (${Math.round(sent / seconds)}/s); ` +
          `http_requests_total series ${before.series.length} → ${after.series.length}, routes ${after.routes.size}; ` +
          `RSS ${mib(before.rss)} → ${mib(after.rss)}`,
      );
    },
    (FLOOD_SECONDS + 60) * 1000,
  );
});
