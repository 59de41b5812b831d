// Local stand-ins for Loki's push API and Elasticsearch's _bulk API, for tests. They validate the
// wire format the way the real servers do and answer as they answer; `script` injects faults.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  contentType: string | undefined;
  body: string;
}

/** What to answer to the n-th request (0-based); `undefined` answers as the real server would. */
export type Script = (
  n: number,
  req: Received,
) =>
  { status: number; headers?: Record<string, string>; body?: string; delayMs?: number } | undefined;

export interface Receiver {
  url: string;
  requests: Received[];
  close(): Promise<void>;
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function start(
  handle: (r: Received) => { status: number; body?: string; headers?: Record<string, string> },
  script?: Script,
): Promise<Receiver> {
  const requests: Received[] = [];
  let n = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const received = {
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        body: await read(req),
      };
      const scripted = script?.(n++, received);
      if (scripted?.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs));
      const answer = scripted ?? handle(received);
      if (answer.status < 300) requests.push(received);
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Validates a push as Loki's JSON decoder does: 204 when accepted, 400 with a reason if not. */
export function lokiPushError(r: Received): string | undefined {
  if (r.path !== '/loki/api/v1/push') return `404 page not found: ${r.path}`;
  if (r.contentType !== 'application/json') return 'unsupported content type (protobuf expected)';
  let payload: unknown;
  try {
    payload = JSON.parse(r.body);
  } catch {
    return 'invalid JSON';
  }
  const streams = (payload as { streams?: unknown }).streams;
  if (!Array.isArray(streams)) return 'streams must be an array';
  for (const s of streams as { stream?: unknown; values?: unknown }[]) {
    if (typeof s.stream !== 'object' || s.stream === null) return 'stream labels must be an object';
    for (const [k, v] of Object.entries(s.stream)) {
      if (!LABEL_NAME.test(k) || typeof v !== 'string') return `invalid label ${k}`;
    }
    if (!Array.isArray(s.values)) return 'values must be an array';
    for (const v of s.values as unknown[]) {
      if (!Array.isArray(v) || v.length < 2 || v.length > 3) return 'each value is [ts, line]';
      if (typeof v[0] !== 'string' || !/^\d{1,19}$/.test(v[0]))
        return 'timestamp must be a string of nanoseconds';
      if (typeof v[1] !== 'string') return 'line must be a string';
    }
  }
  return undefined;
}

export function lokiReceiver(script?: Script): Promise<Receiver> {
  return start((r) => {
    const error = lokiPushError(r);
    return error ? { status: 400, body: error } : { status: 204 };
  }, script);
}

const INDEX_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** The first key written twice in one object of the valid JSON `text`, if any. */
export function duplicateKey(text: string): string | undefined {
  // One set of keys per open object; undefined for an open array.
  const open: (Set<string> | undefined)[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{') open.push(new Set());
    else if (ch === '[') open.push(undefined);
    else if (ch === '}' || ch === ']') open.pop();
    else if (ch === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const keys = open.at(-1);
      if (keys && /^\s*:/.test(text.slice(end + 1, end + 64))) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
      }
      i = end;
    }
  }
  return undefined;
}

/** Parses a _bulk body as Elasticsearch does; throws with its reason when it would answer 400. */
export function parseBulk(r: Received): { index: string; doc: Record<string, unknown> }[] {
  if (r.path !== '/_bulk') throw new Error(`no handler for ${r.path}`);
  if (r.contentType !== 'application/x-ndjson' && r.contentType !== 'application/json') {
    throw new Error(`Content-Type header [${r.contentType}] is not supported`);
  }
  if (!r.body.endsWith('\n'))
    throw new Error('The bulk request must be terminated by a newline [\\n]');
  const lines = r.body.slice(0, -1).split('\n');
  if (lines.length % 2 !== 0) throw new Error('Malformed action/metadata line');
  const out: { index: string; doc: Record<string, unknown> }[] = [];
  for (let i = 0; i < lines.length; i += 2) {
    const action = JSON.parse(lines[i]!) as Record<string, { _index?: string }>;
    const keys = Object.keys(action);
    if (keys.length !== 1 || !['index', 'create'].includes(keys[0]!))
      throw new Error(`Malformed action/metadata line [${i + 1}]`);
    const index = action[keys[0]!]!._index;
    if (!index || !INDEX_NAME.test(index)) throw new Error(`Invalid index name [${index}]`);
    const doc = JSON.parse(lines[i + 1]!) as Record<string, unknown>;
    if (typeof doc !== 'object' || Array.isArray(doc))
      throw new Error('document must be an object');
    // JSON.parse keeps the last of two equal keys; Elasticsearch refuses the document.
    const duplicate = duplicateKey(lines[i + 1]!);
    if (duplicate !== undefined) throw new Error(`Duplicate field '${duplicate}'`);
    out.push({ index, doc });
  }
  return out;
}

/** `itemStatus(doc, i)` picks each item's status (default 201), as a cluster under pressure would. */
export function bulkReceiver(
  itemStatus: (doc: Record<string, unknown>) => number = () => 201,
  script?: Script,
): Promise<Receiver> {
  return start((r) => {
    let docs;
    try {
      docs = parseBulk(r);
    } catch (err) {
      return {
        status: 400,
        body: JSON.stringify({
          error: { type: 'illegal_argument_exception', reason: (err as Error).message },
          status: 400,
        }),
      };
    }
    const items = docs.map(({ index, doc }, i) => {
      const status = itemStatus(doc);
      return {
        index: {
          _index: index,
          _id: String(i),
          status,
          ...(status >= 300
            ? {
                error: {
                  type:
                    status === 429 ? 'es_rejected_execution_exception' : 'mapper_parsing_exception',
                },
              }
            : { result: 'created' }),
        },
      };
    });
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ took: 3, errors: items.some((i) => i.index.status >= 300), items }),
    };
  }, script);
}

export function plainReceiver(script?: Script): Promise<Receiver> {
  return start(() => ({ status: 200 }), script);
}
