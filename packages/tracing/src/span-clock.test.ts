import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind, trace, type HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { Hono } from 'hono';
import { traceCache, traceDb } from './db';
import { tracing } from './hono';
import { initTracing, type Tracing } from './init';
import { startOtlpReceiver } from './otlp-receiver.fixture';
import { addEvent, traced, withSpan } from './spans';

const ns = ([seconds, nanos]: HrTime) => BigInt(seconds) * 1_000_000_000n + BigInt(nanos);

/** mulberry32: the same trees on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every (parent, child) pair among `spans` that are both there. */
function pairs(spans: readonly ReadableSpan[]): [ReadableSpan, ReadableSpan][] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const out: [ReadableSpan, ReadableSpan][] = [];
  for (const child of spans) {
    const parent = byId.get(child.parentSpanContext?.spanId ?? '');
    if (parent) out.push([parent, child]);
  }
  return out;
}

/** The pairs where the child starts before its parent or ends after it. */
function outside(spans: readonly ReadableSpan[]): string[] {
  return pairs(spans)
    .filter(
      ([p, c]) =>
        ns(c.startTime) < ns(p.startTime) ||
        ns(c.endTime) > ns(p.endTime) ||
        ns(c.endTime) < ns(c.startTime),
    )
    .map(
      ([p, c]) =>
        `${c.name} [${ns(c.startTime)}, ${ns(c.endTime)}] in ${p.name} [${ns(p.startTime)}, ${ns(p.endTime)}]`,
    );
}

describe('span timings (one anchored clock)', () => {
  let t: Tracing;
  beforeAll(() => {
    t = initTracing({
      exporter: 'memory',
      processor: 'simple',
      sampleRatio: 1,
      memorySpans: 20_000,
    });
  });
  afterAll(() => t.shutdown());

  it('nest: 10,000 randomly nested sync and async spans (withSpan, traced, traceDb, traceCache, server spans) all start and end inside their parents', async () => {
    t.memory!.reset();
    const next = random(17);
    let budget = 10_000;
    const tick = () =>
      next() < 0.5 ? Promise.resolve() : new Promise<void>((resolve) => setImmediate(resolve));

    // One node of a tree: a span of a random kind, with up to four children run one after the
    // other or all at once, synchronously or across awaits and macrotasks. A synchronous span's
    // children are synchronous: it waits for them.
    const node = (depth: number, syncParent = false): unknown => {
      budget--;
      const children = depth < 6 && budget > 0 ? Math.floor(next() * 4) : 0;
      const sync = syncParent || next() < 0.4;
      const name = `d${depth}`;
      const body: () => unknown = sync
        ? () => {
            for (let i = 0; i < children && budget > 0; i++) node(depth + 1, true);
            if (next() < 0.2) addEvent('sync work');
          }
        : async () => {
            await tick();
            const kids: unknown[] = [];
            for (let i = 0; i < children && budget > 0; i++) {
              const kid = node(depth + 1);
              if (next() < 0.5) await kid;
              else kids.push(kid);
            }
            await Promise.all(kids);
            if (next() < 0.3) await tick();
          };
      const pick = next();
      if (pick < 0.5) return withSpan(name, body);
      if (pick < 0.7) return traced(name, body)();
      if (pick < 0.85) return traceDb({ system: 'sqlite', statement: 'SELECT 1' }, body);
      return traceCache({ system: 'redis', operation: 'get' }, body);
    };

    const app = new Hono();
    app.use(tracing());
    app.get('/work/:n', async (c) => {
      await node(1);
      return c.text('ok');
    });
    while (budget > 0) {
      const batch: Promise<unknown>[] = [];
      // Requests overlap: their trees interleave on the event loop.
      for (let i = 0; i < 8 && budget > 0; i++) {
        budget--;
        batch.push(Promise.resolve(app.request(`/work/${budget}`)));
      }
      await Promise.all(batch);
    }

    const spans = t.memory!.getFinishedSpans();
    expect(spans.length).toBeGreaterThanOrEqual(10_000);
    expect(spans.filter((s) => s.kind === SpanKind.SERVER).length).toBeGreaterThan(300);
    expect(pairs(spans).length).toBeGreaterThan(9_000);
    expect(outside(spans)).toEqual([]);
    // Events follow the same clock: inside their span.
    for (const span of spans)
      for (const event of span.events) {
        expect(ns(event.time)).toBeGreaterThanOrEqual(ns(span.startTime));
        expect(ns(event.time)).toBeLessThanOrEqual(ns(span.endTime));
      }
    // Sub-millisecond starts: a whole-millisecond start is a one-in-a-million chance per span.
    const whole = spans.filter((s) => s.startTime[1] % 1_000_000 === 0).length;
    expect(whole).toBeLessThan(spans.length / 100);
  }, 60_000);

  it('places end and event times given as performance.now() readings on the same clock', () => {
    t.memory!.reset();
    for (let i = 0; i < 200; i++) {
      const span = trace.getTracer('test').startSpan('timed');
      span.addEvent('mark', performance.now());
      span.end(performance.now());
    }
    const spans = t.memory!.getFinishedSpans();
    expect(spans).toHaveLength(200);
    const misplaced = spans.filter(
      (s) =>
        ns(s.events[0]!.time) < ns(s.startTime) ||
        ns(s.endTime) < ns(s.events[0]!.time) ||
        ns(s.endTime) < ns(s.startTime),
    );
    expect(misplaced).toEqual([]);
  });

  it('keeps a start time the caller gave', () => {
    t.memory!.reset();
    const given: HrTime = [1_700_000_000, 123_456_789];
    trace.getTracer('test').startSpan('backdated', { startTime: given }).end([1_700_000_001, 0]);
    const [span] = t.memory!.getFinishedSpans();
    expect(span!.startTime).toEqual(given);
    expect(span!.endTime).toEqual([1_700_000_001, 0]);
  });

  it('stays on the wall clock: a span starts within a second of Date.now()', () => {
    t.memory!.reset();
    const before = BigInt(Date.now()) * 1_000_000n;
    withSpan('now', () => undefined);
    const after = BigInt(Date.now()) * 1_000_000n;
    const start = ns(t.memory!.getFinishedSpans()[0]!.startTime);
    // Wall time at process start plus the monotonic clock can drift from Date.now() by the
    // clock's adjustments since start: a second is far more than a test run sees.
    expect(start).toBeGreaterThan(before - 1_000_000_000n);
    expect(start).toBeLessThan(after + 1_000_000_000n);
  });
});

describe('span timings over OTLP', () => {
  it('are exported at nanosecond resolution, children inside their server span', async () => {
    const receiver = await startOtlpReceiver();
    const t = initTracing({ endpoint: receiver.url, sampleRatio: 1 });
    try {
      const app = new Hono();
      app.use(tracing());
      app.get('/report', async (c) => {
        withSpan('validate', () => undefined);
        await traceDb({ system: 'sqlite', statement: 'SELECT 1' }, () => Promise.resolve());
        return c.text('ok');
      });
      for (let i = 0; i < 5; i++) await app.request('/report');
      await t.forceFlush();
    } finally {
      await t.shutdown();
      await receiver.close();
    }
    const spans = receiver.spans.map((s) => ({
      ...s,
      start: BigInt(s.startTimeUnixNano),
      end: BigInt(s.endTimeUnixNano),
    }));
    expect(spans).toHaveLength(15);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const children = spans.filter((s) => byId.has(s.parentSpanId));
    expect(children).toHaveLength(10);
    for (const child of children) {
      const parent = byId.get(child.parentSpanId)!;
      expect(child.start).toBeGreaterThanOrEqual(parent.start);
      expect(child.end).toBeLessThanOrEqual(parent.end);
    }
    const subMillisecond = spans.filter((s) => s.start % 1_000_000n !== 0n);
    expect(subMillisecond.length).toBeGreaterThanOrEqual(14);
  });
});
