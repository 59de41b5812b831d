import { readFile, statfs } from 'node:fs/promises';
import { freemem, totalmem } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { z } from 'zod';
import { configErrorFromIssues, ObsConfigError, redactUrl } from '@obs/core';
import type { CheckOutcome, HealthCheck, HealthStatus } from './health';

/** The database answers a trivial query: `sqlCheck(() => pool.query('SELECT 1'))`. */
export function sqlCheck(query: (signal?: AbortSignal) => Promise<unknown>): HealthCheck {
  if (typeof query !== 'function') throw new ObsConfigError('query', 'expected () => Promise');
  // The signal aborts when the call times out: a client that can cancel a query may take it.
  return async (signal) => {
    await query(signal);
    return true;
  };
}

/** Redis answers PING with PONG: `redisCheck(redis)` for ioredis, node-redis or anything with ping(). */
export function redisCheck(client: { ping(): Promise<unknown> }): HealthCheck {
  if (typeof (client as { ping?: unknown } | undefined)?.ping !== 'function')
    throw new ObsConfigError('client', 'expected a client with ping()');
  return async () => {
    const answer = await client.ping();
    return answer === 'PONG'
      ? true
      : { status: 'unhealthy', error: `PING answered ${String(answer).slice(0, 100)}` };
  };
}

export interface HttpCheckOptions {
  /** Statuses that count as healthy. @default 200–399 */
  expectStatus?: number | number[];
  /** @default 2000 */
  timeoutMs?: number;
  /** @default 'GET' */
  method?: string;
  headers?: Record<string, string>;
}

const status = z.number().int().min(100).max(599);
const httpCheckOptions = z
  .object({
    expectStatus: z.union([status, z.array(status).nonempty()]).optional(),
    timeoutMs: z.number().int().positive().optional(),
    method: z.string().min(1).optional(),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict();

/** The URL to fetch, and its credentials as a Basic `Authorization` header (fetch refuses them). */
function splitCredentials(url: string): { target: string; authorization?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ObsConfigError('url', 'expected an absolute http or https URL');
  }
  // Messages name the scheme, never the URL: it may hold a password.
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new ObsConfigError('url', `expected an http or https URL, got ${parsed.protocol}`);
  if (!parsed.username && !parsed.password) return { target: parsed.href };
  let credentials: string;
  try {
    credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  } catch {
    throw new ObsConfigError('url', 'the credentials are not valid percent-encoding');
  }
  parsed.username = '';
  parsed.password = '';
  return {
    target: parsed.href,
    authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`,
  };
}

/**
 * An HTTP dependency answers. Healthy on `expectStatus`, by default any 2xx or 3xx; unhealthy on
 * any other status or no answer within `timeoutMs`. As with a Kubernetes `httpGet` probe, a 4xx
 * fails too: the dependency did not confirm that it works (a wrong path, refused credentials, a
 * rate limit), and a check that cannot see its dependency must not pass; list the statuses that
 * are fine in `expectStatus` (e.g. `[200, 401]` for an endpoint behind a login). Credentials in
 * the URL (`https://user:password@host/health`) are sent as Basic auth and shown nowhere.
 *
 * @throws ObsConfigError naming the option: a URL that is not http(s), bad options.
 */
export function httpCheck(url: string, options: HttpCheckOptions = {}): HealthCheck {
  if (typeof url !== 'string') throw new ObsConfigError('url', 'expected a string');
  const parsed = httpCheckOptions.safeParse(options);
  if (!parsed.success) throw configErrorFromIssues(parsed.error.issues);
  const { target, authorization } = splitCredentials(url);
  const { timeoutMs = 2000, method = 'GET' } = parsed.data;
  const headers = { ...parsed.data.headers };
  if (authorization) {
    if (Object.keys(headers).some((name) => name.toLowerCase() === 'authorization'))
      throw new ObsConfigError(
        'headers.authorization',
        'the url carries credentials too; give one',
      );
    headers.authorization = authorization;
  }
  const expected =
    parsed.data.expectStatus === undefined ? undefined : [parsed.data.expectStatus].flat();
  const shown = redactUrl(url);
  return async (signal) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const res = await fetch(target, {
      method,
      headers,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    await res.body?.cancel();
    const ok = expected ? expected.includes(res.status) : res.status >= 200 && res.status < 400;
    const details = { url: shown, status_code: res.status };
    return ok
      ? { status: 'healthy', details }
      : { status: 'unhealthy', details, error: `answered ${res.status}` };
  };
}

export interface DiskCheckOptions {
  /** Below this share free: degraded. @default 10 */
  warnFreePercent?: number;
  /** Below this share free: unhealthy. @default 5 */
  criticalFreePercent?: number;
}

function level(value: number, warn: number, critical: number, lowIsBad: boolean): HealthStatus {
  const past = (limit: number) => (lowIsBad ? value < limit : value > limit);
  return past(critical) ? 'unhealthy' : past(warn) ? 'degraded' : 'healthy';
}

/** Free space on the filesystem holding `path` (`fs.statfs`). */
export function diskCheck(path: string, options: DiskCheckOptions = {}): HealthCheck {
  const { warnFreePercent = 10, criticalFreePercent = 5 } = options;
  if (!(criticalFreePercent <= warnFreePercent))
    throw new ObsConfigError('criticalFreePercent', 'expected ≤ warnFreePercent');
  return async () => {
    const s = await statfs(path);
    const total = s.blocks * s.bsize;
    const free = s.bavail * s.bsize;
    const freePercent = total > 0 ? (free / total) * 100 : 0;
    return {
      status: level(freePercent, warnFreePercent, criticalFreePercent, true),
      details: {
        path,
        total_bytes: total,
        free_bytes: free,
        free_percent: Math.round(freePercent * 10) / 10,
      },
    };
  };
}

/** `inactive_file` of a cgroup's memory.stat: page cache the kernel reclaims before an OOM. */
async function inactiveFile(statFile: string): Promise<number> {
  try {
    const stat = await readFile(statFile, 'utf8');
    const match = /^(?:total_)?inactive_file (\d+)$/m.exec(stat);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * The container's memory limit and working set (usage minus reclaimable page cache, as the
 * kubelet counts it), cgroup v2 then v1, where the process can see them.
 */
async function cgroupMemory(): Promise<{ limit: number; used: number } | undefined> {
  const read = async (file: string) => (await readFile(file, 'utf8')).trim();
  for (const [limitFile, usageFile, statFile] of [
    ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory.current', '/sys/fs/cgroup/memory.stat'],
    [
      '/sys/fs/cgroup/memory/memory.limit_in_bytes',
      '/sys/fs/cgroup/memory/memory.usage_in_bytes',
      '/sys/fs/cgroup/memory/memory.stat',
    ],
  ] as const) {
    try {
      const limit = Number(await read(limitFile));
      const used = Math.max(0, Number(await read(usageFile)) - (await inactiveFile(statFile)));
      // "max", or v1's "no limit" (a huge number), means the host's memory is the limit.
      if (Number.isFinite(limit) && limit > 0 && limit < totalmem() && Number.isFinite(used))
        return { limit, used };
    } catch {
      // not this cgroup version, or not visible
    }
  }
  return undefined;
}

export interface MemoryCheckOptions {
  /** Above this share used: degraded. @default 85 */
  warnPercent?: number;
  /** Above this share used: unhealthy. @default 95 */
  criticalPercent?: number;
}

/** Memory in use against the container's limit where visible, else the host's. */
export function memoryCheck(options: MemoryCheckOptions = {}): HealthCheck {
  const { warnPercent = 85, criticalPercent = 95 } = options;
  if (!(warnPercent <= criticalPercent))
    throw new ObsConfigError('warnPercent', 'expected ≤ criticalPercent');
  return async (): Promise<CheckOutcome> => {
    const cgroup = await cgroupMemory();
    const total = cgroup?.limit ?? totalmem();
    const used = cgroup?.used ?? totalmem() - freemem();
    const usedPercent = (used / total) * 100;
    return {
      status: level(usedPercent, warnPercent, criticalPercent, false),
      details: {
        source: cgroup ? 'cgroup' : 'host',
        total_bytes: total,
        used_bytes: used,
        used_percent: Math.round(usedPercent * 10) / 10,
        rss_bytes: process.memoryUsage.rss(),
      },
    };
  };
}

export interface EventLoopCheckOptions {
  /** p99 event-loop delay above this: degraded; above twice this: unhealthy. @default 200 */
  maxLagMs?: number;
}

/**
 * Event-loop delay (p99 since the last check), from `monitorEventLoopDelay`. The histogram starts
 * when the check is made and is reset at each run.
 */
export function eventLoopCheck(options: EventLoopCheckOptions = {}): HealthCheck {
  const { maxLagMs = 200 } = options;
  if (!(maxLagMs > 0)) throw new ObsConfigError('maxLagMs', 'expected a positive number');
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return () => {
    const p99 = histogram.count > 0 ? histogram.percentile(99) / 1e6 : 0;
    const max = histogram.count > 0 ? histogram.max / 1e6 : 0;
    histogram.reset();
    return {
      status: level(p99, maxLagMs, maxLagMs * 2, false),
      details: { p99_ms: Math.round(p99 * 10) / 10, max_ms: Math.round(max * 10) / 10 },
    };
  };
}
