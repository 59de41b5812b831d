// A local Sentry ingest endpoint for tests: accepts envelopes at /api/<project>/envelope/ and
// decodes them as Sentry's relay does (newline-separated headers and items, `length` when given,
// gzip when the SDK compressed), keeping the error events.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** The parts of a decoded error event the tests read. */
export interface ReceivedEvent {
  event_id: string;
  level?: string;
  environment?: string;
  release?: string;
  message?: string;
  tags: Record<string, string | number | boolean>;
  user?: { id?: string };
  extra?: Record<string, unknown>;
  contexts: { trace: { trace_id: string; span_id: string } };
  exception: { values: { type: string; value: string }[] };
  request: { url?: string; method?: string; headers: Record<string, string>; data?: string };
  breadcrumbs?: { message?: string; level?: string; category?: string }[];
}

export interface SentryIngest {
  dsn: string;
  events: ReceivedEvent[];
  requests: IncomingHttpHeaders[];
  /**
   * Resolves once `n` events have arrived. `timeoutMs` only guards against a hang; prefer
   * `event()`, which cannot be satisfied by another test's late event.
   */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  /** Resolves with the event of this id (`captureError`'s return value), or the first `match` accepts, once it arrived. */
  event(
    match: string | ((event: ReceivedEvent) => boolean),
    timeoutMs?: number,
  ): Promise<ReceivedEvent>;
  close(): Promise<void>;
}

/** Long enough for any busy machine: a guard against a hang, not a measure of speed. */
const HANG_GUARD_MS = 60_000;

/** Items of an envelope: [item header, payload] pairs after the envelope header. */
export function decodeEnvelope(body: Buffer): {
  header: unknown;
  items: [Record<string, unknown>, Buffer][];
} {
  let at = 0;
  const line = (): Buffer => {
    const end = body.indexOf(0x0a, at);
    const out = body.subarray(at, end < 0 ? body.length : end);
    at = end < 0 ? body.length : end + 1;
    return out;
  };
  const header: unknown = JSON.parse(line().toString('utf8'));
  const items: [Record<string, unknown>, Buffer][] = [];
  while (at < body.length) {
    const itemHeader = JSON.parse(line().toString('utf8')) as Record<string, unknown>;
    let payload: Buffer;
    if (typeof itemHeader.length === 'number') {
      payload = body.subarray(at, at + itemHeader.length);
      at += itemHeader.length;
      if (body[at] === 0x0a) at++;
    } else payload = line();
    items.push([itemHeader, payload]);
  }
  return { header, items };
}

export async function startSentryIngest(): Promise<SentryIngest> {
  const events: ReceivedEvent[] = [];
  const requests: IncomingHttpHeaders[] = [];
  const waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push(req.headers);
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      if (!/^\/api\/\d+\/envelope\/?/.test(req.url ?? '')) {
        res.writeHead(404).end();
        return;
      }
      try {
        for (const [itemHeader, payload] of decodeEnvelope(body).items) {
          if (itemHeader.type === 'event')
            events.push(JSON.parse(payload.toString('utf8')) as ReceivedEvent);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        waiters.splice(0).forEach((wake) => wake());
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  /** Resolves with `find()`'s answer once it has one, woken by each arriving envelope. */
  const until = <T>(find: () => T | undefined, timeoutMs: number, what: () => string) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found === undefined) {
          waiters.push(check);
          return;
        }
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        const at = waiters.indexOf(check);
        if (at >= 0) waiters.splice(at, 1);
        reject(new Error(`${what()} within ${timeoutMs} ms`));
      }, timeoutMs).unref();
      check();
    });
  return {
    dsn: `http://publickey@127.0.0.1:${port}/1`,
    events,
    requests,
    async waitFor(n, timeoutMs = HANG_GUARD_MS) {
      await until(
        () => (events.length >= n ? true : undefined),
        timeoutMs,
        () => `expected ${n} events, got ${events.length}`,
      );
    },
    event(match, timeoutMs = HANG_GUARD_MS) {
      const accepts =
        typeof match === 'string' ? (e: ReceivedEvent) => e.event_id === match : match;
      return until(
        () => events.find(accepts),
        timeoutMs,
        () => `no matching event among ${events.length}`,
      );
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A Sentry endpoint that accepts each connection, reads what is sent, and never answers. */
export interface SilentIngest {
  dsn: string;
  /** Resolves once the first request's bytes have arrived. */
  requestStarted: Promise<void>;
  /** Connections that have sent a request, none of which was answered. */
  requests(): number;
  /** Connections the client still holds open, waiting for an answer. */
  waiting(): number;
  close(): Promise<void>;
}

export async function startSilentIngest(): Promise<SilentIngest> {
  const sockets = new Set<Socket>();
  let requests = 0;
  let started!: () => void;
  const requestStarted = new Promise<void>((resolve) => (started = resolve));
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', () => {
      requests++;
      started();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    dsn: `http://publickey@127.0.0.1:${port}/1`,
    requestStarted,
    requests: () => requests,
    waiting: () => [...sockets].filter((s) => !s.readableEnded).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
