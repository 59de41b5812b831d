// Traffic for the demo, shared by `pnpm demo:load` and the ingestion benchmark: a workspace to
// drive, batches of usage events with unique ids, and a closed-loop client (each of
// `concurrency` workers sends its next request when the last one answered).

export interface Target {
  baseUrl: string;
  workspace: string;
  key: string;
  agents: string[];
}

const AGENTS = ['support-bot', 'sales-assistant', 'code-reviewer'];
const TYPES = ['chat.completion', 'embedding', 'tool.call'];

/** Creates a workspace with three agents through the admin API. */
export async function createTarget(
  baseUrl: string,
  adminToken: string,
  workspace: string,
): Promise<Target> {
  const post = async (path: string, token: string, body: unknown) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const created = await post('/api/v1/workspaces', adminToken, {
    id: workspace,
    name: `Load ${workspace}`,
  });
  const key = String(created.api_key);
  for (const id of AGENTS)
    await post(`/api/v1/workspaces/${workspace}/agents`, key, { id, name: id });
  return { baseUrl, workspace, key, agents: AGENTS };
}

let sequence = 0;

/**
 * A JSON body of `size` new events, in the order a client records them: ids time-ordered (a
 * millisecond timestamp, then a sequence number, as UUIDv7s and ULIDs from today's SDKs are),
 * `occurred_at` rising evenly over the last `spreadMs` (a day by default, so analytics have
 * something to group; a few seconds for live ingestion).
 */
export function eventBatch(
  target: Target,
  size: number,
  spreadMs = 86_400_000,
  now = Date.now(),
): string {
  const prefix = now.toString(36);
  const events = [];
  for (let i = 0; i < size; i++) {
    const n = sequence++;
    events.push({
      id: `${prefix}-${n.toString(36).padStart(8, '0')}`,
      user_id: `user-${n % 97}`,
      agent_id: target.agents[n % target.agents.length],
      type: TYPES[n % TYPES.length],
      credits: 1 + (n % 50),
      occurred_at: new Date(now - spreadMs + Math.round(((i + 1) * spreadMs) / size)).toISOString(),
      properties: { model: n % 2 ? 'small' : 'large', tokens: 100 + (n % 900) },
    });
  }
  return JSON.stringify({ events });
}

export interface Request {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** Events the request carries (counted when answered 2xx). */
  events?: number;
}

export interface LoadStats {
  requests: number;
  byStatus: Map<number, number>;
  failures: number;
  /** Why requests failed (a socket error's code, else its message), counted. */
  failuresByReason: Record<string, number>;
  /** The last failure's reason. */
  lastError?: string;
  events: number;
  latenciesMs: number[];
  seconds: number;
}

/**
 * Runs `concurrency` workers for `seconds`, each sending `next()`'s request as soon as its last
 * one answered. `onSecond` is called about once a second with the stats so far.
 */
export async function drive(
  target: Target,
  next: () => Request,
  options: { seconds: number; concurrency: number; onSecond?: (stats: LoadStats) => void },
): Promise<LoadStats> {
  const stats: LoadStats = {
    requests: 0,
    byStatus: new Map(),
    failures: 0,
    failuresByReason: {},
    events: 0,
    latenciesMs: [],
    seconds: 0,
  };
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const ticker =
    options.onSecond &&
    setInterval(() => {
      stats.seconds = (performance.now() - started) / 1000;
      options.onSecond?.(stats);
    }, 1000);
  const worker = async () => {
    while (performance.now() < deadline) {
      const request = next();
      const t0 = performance.now();
      // A hung request must not keep the run past its deadline. (A timer rather than an
      // AbortSignal: under jest the signal comes from another realm than fetch, which rejects it.)
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error('timed out')),
          Math.max(1000, deadline - performance.now() + 5000),
        );
      });
      try {
        const res = await Promise.race([
          fetch(`${target.baseUrl}${request.path}`, {
            method: request.method,
            headers: {
              authorization: `Bearer ${target.key}`,
              ...(request.body ? { 'content-type': 'application/json' } : {}),
              ...request.headers,
            },
            body: request.body,
          }),
          timeout,
        ]);
        await Promise.race([res.arrayBuffer(), timeout]);
        stats.byStatus.set(res.status, (stats.byStatus.get(res.status) ?? 0) + 1);
        if (res.ok) stats.events += request.events ?? 0;
      } catch (err) {
        stats.failures++;
        // Duck-typed: under jest the error comes from another realm (instanceof fails).
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        const reason = cause?.code ?? cause?.message ?? (err as Error).message;
        stats.failuresByReason[reason] = (stats.failuresByReason[reason] ?? 0) + 1;
        stats.lastError = reason;
      } finally {
        clearTimeout(timer);
      }
      stats.requests++;
      stats.latenciesMs.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  if (ticker) clearInterval(ticker);
  stats.seconds = (performance.now() - started) / 1000;
  return stats;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
