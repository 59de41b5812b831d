// A local OTLP/HTTP trace receiver that counts spans by name, as a collector would receive them.
// Export bodies are only kept while the benchmark runs and decoded when counted, so the receiver
// takes as little CPU as it can from wrk, which shares its core. Protobuf is walked with
// protobufjs's reader for the few fields a name needs (ExportTraceServiceRequest.resource_spans = 1
// → ResourceSpans.scope_spans = 2 → ScopeSpans.spans = 2 → Span.name = 5, from
// opentelemetry-proto's trace.proto); JSON follows the OTLP/JSON mapping.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';

export interface OtlpSpanCounter {
  /** The OTLP base URL (`/v1/traces` is where spans are taken). */
  url: string;
  /** How many spans named `name` were received so far. */
  count(name: string): number;
  close(): Promise<void>;
}

/** The length-delimited values of field `field` in the protobuf message `message`. */
function embedded(message: Uint8Array, field: number): Uint8Array[] {
  const reader = protobuf.Reader.create(message);
  const out: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === field && (tag & 7) === 2) out.push(reader.bytes());
    else reader.skipType(tag & 7);
  }
  return out;
}

function protobufSpanNames(body: Uint8Array): string[] {
  const names: string[] = [];
  const utf8 = new TextDecoder();
  for (const resourceSpans of embedded(body, 1))
    for (const scopeSpans of embedded(resourceSpans, 2))
      for (const span of embedded(scopeSpans, 2))
        names.push(utf8.decode(embedded(span, 5)[0] ?? new Uint8Array()));
  return names;
}

interface OtlpJson {
  resourceSpans?: { scopeSpans?: { spans?: { name?: string }[] }[] }[];
}

function jsonSpanNames(body: Buffer): string[] {
  const request = JSON.parse(body.toString('utf8')) as OtlpJson;
  return (request.resourceSpans ?? []).flatMap((rs) =>
    (rs.scopeSpans ?? []).flatMap((ss) => (ss.spans ?? []).map((s) => s.name ?? '')),
  );
}

export async function startOtlpSpanCounter(): Promise<OtlpSpanCounter> {
  const bodies: { protobuf: boolean; body: Buffer }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const protobufBody = req.headers['content-type']?.startsWith('application/x-protobuf');
      bodies.push({ protobuf: protobufBody === true, body: Buffer.concat(chunks) });
      // An empty ExportTraceServiceResponse: full success.
      res.writeHead(200, {
        'content-type': protobufBody ? 'application/x-protobuf' : 'application/json',
      });
      res.end(protobufBody ? '' : '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    count(name) {
      let n = 0;
      for (const { protobuf: isProtobuf, body } of bodies)
        for (const spanName of isProtobuf ? protobufSpanNames(body) : jsonSpanNames(body))
          if (spanName === name) n++;
      return n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
