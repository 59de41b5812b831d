import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { runWithContext, setInternalErrorHandler } from '@obs/core';
import { createLogger } from '../index';
import { elasticsearchDestination } from './elasticsearch';
import { httpDestination } from './http';
import { lokiDestination } from './loki';
import {
  bulkReceiver,
  duplicateKey,
  lokiReceiver,
  parseBulk,
  plainReceiver,
  type Receiver,
} from './receivers.fixture';

// Short waits between attempts; long limits on a request and on flush()/close(), which only
// guard against a hang: on a busy machine a request to a local receiver can take seconds, and
// one cut short would be retried (and delivered twice, or counted as dropped).
const fast = { flushIntervalMs: 20, retryBaseMs: 5, timeoutMs: 60_000, flushTimeoutMs: 60_000 };
let receiver: Receiver | undefined;
let reports: unknown[];

beforeEach(() => {
  reports = [];
  setInternalErrorHandler((err) => reports.push(err));
});
afterEach(async () => {
  setInternalErrorHandler(undefined);
  await receiver?.close();
  receiver = undefined;
});

interface LokiPush {
  streams: { stream: Record<string, string>; values: [string, string][] }[];
}

describe('Loki destination', () => {
  it('pushes well-formed batches with only service, environment and level as labels', async () => {
    receiver = await lokiReceiver();
    const destination = lokiDestination({
      url: receiver.url,
      batchSize: 3,
      service: { name: 'api', environment: 'prod' },
      ...fast,
    });
    const logger = createLogger({
      destination,
      level: 'debug',
      service: { name: 'api', environment: 'prod' },
    });
    runWithContext({ requestId: 'req-9', userId: 'u1' }, () => {
      for (let i = 0; i < 8; i++) logger.info('step', { i });
      logger.error('failed', { i: 8 });
      logger.debug('detail', { i: 9 });
    });
    await logger.flush();
    const pushes = receiver.requests.map((r) => JSON.parse(r.body) as LokiPush);
    expect(receiver.requests.every((r) => r.path === '/loki/api/v1/push')).toBe(true);
    const streams = pushes.flatMap((p) => p.streams);
    for (const s of streams) {
      expect(Object.keys(s.stream).sort()).toEqual(['environment', 'level', 'service']);
      expect(s.stream).toMatchObject({ service: 'api', environment: 'prod' });
    }
    const values = streams.flatMap((s) =>
      s.values.map(([ts, line]) => ({
        ts,
        rec: JSON.parse(line) as Record<string, unknown>,
        level: s.stream.level,
      })),
    );
    expect(values.map((v) => v.rec.i).sort((a, b) => Number(a) - Number(b))).toEqual([
      ...Array(10).keys(),
    ]);
    for (const v of values) {
      expect(v.rec.level).toBe(v.level);
      expect(v.rec.request_id).toBe('req-9');
      // nanoseconds within the record's millisecond
      expect(BigInt(v.ts) / 1_000_000n).toBe(BigInt(Date.parse(String(v.rec.timestamp))));
    }
    expect(pushes.every((p) => p.streams.reduce((n, s) => n + s.values.length, 0) <= 3)).toBe(true);
    expect(destination.stats()).toMatchObject({ sent: 10, dropped: 0, queued: 0 });
    await logger.close();
  });

  it("labels streams with the logger's service when the destination was given none", async () => {
    receiver = await lokiReceiver();
    const named = {
      OTEL_SERVICE_NAME: process.env.OTEL_SERVICE_NAME,
      SERVICE_NAME: process.env.SERVICE_NAME,
    };
    delete process.env.OTEL_SERVICE_NAME;
    delete process.env.SERVICE_NAME;
    try {
      const shared = lokiDestination({ url: receiver.url, ...fast });
      const logger = createLogger({
        destination: shared,
        service: { name: 'analytics', environment: 'staging' },
      });
      // A second logger on the same destination does not relabel it.
      createLogger({ destination: shared, service: { name: 'other' } });
      logger.info('hello');
      await logger.close();
    } finally {
      for (const [key, value] of Object.entries(named))
        if (value !== undefined) process.env[key] = value;
    }
    const streams = receiver.requests.flatMap((r) => (JSON.parse(r.body) as LokiPush).streams);
    expect(streams.map((s) => s.stream)).toEqual([
      { service: 'analytics', environment: 'staging', level: 'info' },
    ]);
  });

  it('gives identical lines in one millisecond distinct timestamps, so Loki keeps them all', async () => {
    receiver = await lokiReceiver();
    const destination = lokiDestination({ url: receiver.url, ...fast });
    for (let i = 0; i < 3; i++)
      destination.write({ level: 'info', time: 1_700_000_000_000, line: '{"same":true}' });
    await destination.close();
    const [push] = receiver.requests.map((r) => JSON.parse(r.body) as LokiPush);
    expect(push!.streams[0]!.values.map((v) => v[0])).toEqual([
      '1700000000000000000',
      '1700000000000000001',
      '1700000000000000002',
    ]);
  });

  it('accepts the base URL or the full push URL', async () => {
    receiver = await lokiReceiver();
    const destination = lokiDestination({ url: `${receiver.url}/loki/api/v1/push/`, ...fast });
    destination.write({ level: 'info', time: 1_700_000_000_000, line: '{"message":"x"}' });
    await destination.close();
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('Elasticsearch destination', () => {
  it('sends _bulk NDJSON into daily indices with @timestamp', async () => {
    receiver = await bulkReceiver();
    const destination = elasticsearchDestination({
      url: receiver.url,
      indexPrefix: 'vitalyst-logs',
      ...fast,
    });
    const day1 = Date.UTC(2026, 10, 21, 23, 59, 59, 999);
    destination.write({ level: 'info', time: day1, line: '{"message":"late"}' });
    destination.write({ level: 'warn', time: day1 + 1, line: '{"message":"early"}' });
    await destination.close();
    const docs = receiver.requests.flatMap((r) => parseBulk(r));
    expect(docs).toEqual([
      {
        index: 'vitalyst-logs-2026.11.21',
        doc: { '@timestamp': '2026-11-21T23:59:59.999Z', message: 'late' },
      },
      {
        index: 'vitalyst-logs-2026.11.22',
        doc: { '@timestamp': '2026-11-22T00:00:00.000Z', message: 'early' },
      },
    ]);
    expect(receiver.requests[0]!.contentType).toBe('application/x-ndjson');
  });

  it('writes @timestamp once: the record’s time, its own @timestamp field renamed', async () => {
    receiver = await bulkReceiver();
    const destination = elasticsearchDestination({ url: receiver.url, ...fast });
    const logger = createLogger({ destination });
    logger.info('imported', {
      '@timestamp': '2020-01-01T00:00:00.000Z',
      nested: { '@timestamp': 'kept as it is' },
    });
    await logger.close();
    expect(reports).toEqual([]);
    const [request] = receiver.requests;
    // asserted on the raw text: JSON.parse would quietly keep one of two equal keys
    const documents = request!.body.split('\n').filter((_, i) => i % 2 === 1 && _ !== '');
    expect(documents.map(duplicateKey)).toEqual([undefined]);
    const { doc } = parseBulk(request!)[0]!;
    expect(doc['@timestamp']).toBe(doc.timestamp);
    expect(doc['field_@timestamp']).toBe('2020-01-01T00:00:00.000Z');
    expect(doc.nested).toEqual({ '@timestamp': 'kept as it is' });
    expect(destination.stats()).toMatchObject({ sent: 1, dropped: 0 });
  });

  it('the strict _bulk stand-in finds keys written twice, at any depth', () => {
    expect(duplicateKey('{"a":1,"b":{"a":2,"c":"\\"a\\":"}}')).toBeUndefined();
    expect(duplicateKey('{"a":1,"b":[{"c":1},{"c":2}],"a":2}')).toBe('a');
    expect(duplicateKey('{"b":{"x\\"":1,"x\\"" : 2}}')).toBe('x"');
  });

  it('retries items the cluster rejected with 429 and drops items it refused with 400', async () => {
    const attempts = new Map<unknown, number>();
    receiver = await bulkReceiver((doc) => {
      const n = (attempts.get(doc.message) ?? 0) + 1;
      attempts.set(doc.message, n);
      if (doc.message === 'busy' && n === 1) return 429;
      if (doc.message === 'bad mapping') return 400;
      return 201;
    });
    const destination = elasticsearchDestination({ url: receiver.url, ...fast });
    for (const message of ['ok', 'busy', 'bad mapping']) {
      destination.write({ level: 'info', time: Date.now(), line: JSON.stringify({ message }) });
    }
    await destination.close();
    expect(attempts.get('ok')).toBe(1);
    expect(attempts.get('busy')).toBe(2);
    expect(attempts.get('bad mapping')).toBe(1);
    expect(destination.stats()).toMatchObject({ sent: 2, dropped: 1, retries: 1 });
  });

  it('rejects an index prefix Elasticsearch would refuse', () => {
    expect(() =>
      elasticsearchDestination({ url: 'http://127.0.0.1:9200', indexPrefix: 'Bad Prefix' }),
    ).toThrow(expect.objectContaining({ option: 'destination.indexPrefix' }));
  });
});

describe('HTTP JSON-lines destination', () => {
  it('posts batches of JSON lines', async () => {
    receiver = await plainReceiver();
    const destination = httpDestination({
      url: `${receiver.url}/ingest`,
      headers: { authorization: 'Bearer t' },
      ...fast,
    });
    const logger = createLogger({ destination });
    logger.info('a');
    logger.warn('b');
    await logger.close();
    const lines = receiver.requests.flatMap((r) => r.body.split('\n').filter(Boolean));
    expect(lines.map((l) => (JSON.parse(l) as { message: string }).message)).toEqual(['a', 'b']);
    expect(receiver.requests[0]).toMatchObject({
      path: '/ingest',
      contentType: 'application/x-ndjson',
    });
    expect(receiver.requests[0]!.body.endsWith('\n')).toBe(true);
  });
});

describe('when the receiver misbehaves', () => {
  it('retries 500s with backoff and delivers each record once', async () => {
    receiver = await lokiReceiver((n) =>
      n < 2 ? { status: 500, body: 'ingester unavailable' } : undefined,
    );
    const destination = lokiDestination({ url: receiver.url, ...fast });
    for (let i = 0; i < 5; i++)
      destination.write({ level: 'info', time: Date.now(), line: `{"i":${i}}` });
    await destination.close();
    const delivered = receiver.requests.flatMap((r) =>
      (JSON.parse(r.body) as LokiPush).streams.flatMap((s) => s.values.map((v) => v[1])),
    );
    expect(delivered).toEqual([0, 1, 2, 3, 4].map((i) => `{"i":${i}}`));
    expect(destination.stats()).toMatchObject({ sent: 5, dropped: 0, retries: 2 });
  });

  it('waits as long as a 429 Retry-After says', async () => {
    const times: number[] = [];
    receiver = await plainReceiver((n) => {
      times.push(Date.now());
      return n === 0 ? { status: 429, headers: { 'retry-after': '1' } } : undefined;
    });
    const destination = httpDestination({ url: receiver.url, ...fast });
    destination.write({ level: 'info', time: Date.now(), line: '{}' });
    await destination.close();
    expect(times).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950);
  });

  it('does not retry a batch the receiver rejects as malformed (4xx)', async () => {
    receiver = await plainReceiver(() => ({ status: 400, body: 'bad request' }));
    const destination = httpDestination({ url: receiver.url, ...fast });
    destination.write({ level: 'info', time: Date.now(), line: '{}' });
    await destination.close();
    expect(destination.stats()).toMatchObject({ sent: 0, dropped: 1, retries: 0 });
    expect(String(reports[0])).toContain('HTTP 400');
  });

  it('gives up on a slow receiver after its retries, without holding the caller', async () => {
    receiver = await plainReceiver(() => ({ status: 200, delayMs: 500 }));
    const destination = httpDestination({
      url: receiver.url,
      ...fast,
      timeoutMs: 50,
      maxRetries: 2,
    });
    const logger = createLogger({ destination });
    logger.info('into a slow receiver');
    expect(destination.stats().queued).toBe(1); // the call returned with the record still queued
    await logger.close();
    expect(destination.stats()).toMatchObject({ sent: 0, dropped: 1, retries: 2 });
  });

  it('waits through backoff in flush() until the batch is delivered', async () => {
    receiver = await plainReceiver((n) => (n < 3 ? { status: 503 } : undefined));
    const destination = httpDestination({ url: receiver.url, ...fast, retryBaseMs: 50 });
    for (let i = 0; i < 3; i++) destination.write({ level: 'info', time: Date.now(), line: '{}' });
    await destination.flush();
    expect(destination.stats()).toMatchObject({ sent: 3, dropped: 0, queued: 0, retries: 3 });
    await destination.close();
  });

  it('gives flush() and close() a deadline, then drops and counts what is left', async () => {
    const down = await plainReceiver();
    const url = down.url;
    await down.close();
    // Without the deadline this would retry for minutes (10 retries, doubling from 200 ms).
    const destination = httpDestination({
      url,
      batchSize: 10,
      maxRetries: 10,
      retryBaseMs: 200,
      flushTimeoutMs: 300,
    });
    for (let i = 0; i < 1500; i++)
      destination.write({ level: 'info', time: Date.now(), line: `{"i":${i}}` });
    await destination.close();
    expect(destination.stats()).toMatchObject({ sent: 0, dropped: 1500, queued: 0 });
  });

  it('counts a batch still in flight at the close deadline, and aborts its request', async () => {
    receiver = await plainReceiver(() => ({ status: 200, delayMs: 1000 }));
    const destination = httpDestination({
      url: receiver.url,
      batchSize: 5,
      timeoutMs: 5000,
      flushTimeoutMs: 100,
    });
    for (let i = 0; i < 12; i++)
      destination.write({ level: 'info', time: Date.now(), line: `{"i":${i}}` });
    await destination.close();
    expect(destination.stats()).toMatchObject({ sent: 0, dropped: 12, queued: 0 });
    // The receiver answers the slow request after the close; nothing changes then.
    while (receiver.requests.length === 0) await new Promise((r) => setTimeout(r, 20));
    expect(destination.stats()).toMatchObject({ sent: 0, dropped: 12 });
  });

  it('keeps a bounded queue while the receiver is down, dropping and counting the excess, never throwing', async () => {
    const down = await plainReceiver();
    const url = down.url;
    await down.close(); // nothing listens there any more
    const destination = httpDestination({ url, ...fast, maxQueue: 100, maxRetries: 1 });
    const logger = createLogger({ destination });
    expect(() => {
      for (let i = 0; i < 5000; i++) logger.error('receiver is down', { i });
    }).not.toThrow();
    expect(destination.stats().queued).toBeLessThanOrEqual(100);
    expect(destination.stats().dropped).toBeGreaterThanOrEqual(4900);
    await logger.close();
    expect(destination.stats()).toMatchObject({ sent: 0, dropped: 5000, queued: 0 });
    expect(reports.length).toBeGreaterThan(0);
  });
});
