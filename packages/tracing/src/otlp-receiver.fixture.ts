// A local OTLP/HTTP trace receiver for tests: decodes protobuf with the OTLP schema (the field
// numbers of opentelemetry-proto's trace.proto, common.proto and resource.proto) and JSON as the
// OTLP/JSON mapping defines it (hex ids, AnyValue objects), as a collector would.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';

const OTLP_TRACE_PROTO = `
syntax = "proto3";
package otlp;
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4;
  fixed32 flags = 16; string name = 5; int32 kind = 6;
  fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10;
  repeated Event events = 11; uint32 dropped_events_count = 12;
  repeated Link links = 13; uint32 dropped_links_count = 14; Status status = 15;
  message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
  message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; fixed32 flags = 6; }
}
message Status { string message = 2; int32 code = 3; }
`;
const Request = protobuf.parse(OTLP_TRACE_PROTO).root.lookupType('otlp.ExportTraceServiceRequest');

export interface ReceivedSpan {
  name: string;
  /** OTLP's numbering: 1 internal, 2 server, 3 client. */
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  links: { traceId: string; spanId: string; attributes: Record<string, unknown> }[];
  status: { code: number; message: string };
  /** Nanoseconds since the epoch, as sent (fixed64), in decimal. */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  resource: Record<string, unknown>;
  scope: string;
}

export interface OtlpReceiver {
  url: string;
  spans: ReceivedSpan[];
  requests: { contentType: string | undefined; headers: IncomingHttpHeaders }[];
  /** Answer every export with this status (e.g. 503) and these headers from now on. */
  failWith(status: number | undefined, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
const hex = (v: unknown): string =>
  typeof v === 'string' ? v : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : '';

function anyValue(v: Json | undefined): unknown {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('arrayValue' in v)
    return (((v.arrayValue as Json).values as Json[] | undefined) ?? []).map(anyValue);
  if ('kvlistValue' in v) return keyValues((v.kvlistValue as Json).values);
  if ('bytesValue' in v) return v.bytesValue;
  return undefined;
}

function keyValues(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of (list as Json[] | undefined) ?? [])
    out[kv.key as string] = anyValue(kv.value as Json);
  return out;
}

function flatten(request: Json): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const rs of (request.resourceSpans as Json[] | undefined) ?? []) {
    const resource = keyValues((rs.resource as Json | undefined)?.attributes);
    for (const ss of (rs.scopeSpans as Json[] | undefined) ?? []) {
      for (const s of (ss.spans as Json[] | undefined) ?? []) {
        const status = (s.status as Json | undefined) ?? {};
        spans.push({
          name: s.name as string,
          kind: Number(s.kind ?? 0),
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          attributes: keyValues(s.attributes),
          events: ((s.events as Json[] | undefined) ?? []).map((e) => ({
            name: e.name as string,
            attributes: keyValues(e.attributes),
          })),
          links: ((s.links as Json[] | undefined) ?? []).map((l) => ({
            traceId: hex(l.traceId),
            spanId: hex(l.spanId),
            attributes: keyValues(l.attributes),
          })),
          status: {
            code: Number(status.code ?? 0),
            message: (status.message as string | undefined) ?? '',
          },
          startTimeUnixNano: String((s.startTimeUnixNano as string | number | undefined) ?? 0),
          endTimeUnixNano: String((s.endTimeUnixNano as string | number | undefined) ?? 0),
          resource,
          scope: ((ss.scope as Json | undefined)?.name as string | undefined) ?? '',
        });
      }
    }
  }
  return spans;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests: OtlpReceiver['requests'] = [];
  let failStatus: number | undefined;
  let failHeaders: Record<string, string> = {};
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const contentType = req.headers['content-type'];
      requests.push({ contentType, headers: req.headers });
      if (failStatus !== undefined) {
        res.writeHead(failStatus, failHeaders).end();
        return;
      }
      if (req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      try {
        const decoded = contentType?.startsWith('application/x-protobuf')
          ? Request.toObject(Request.decode(body), { longs: String, bytes: Buffer })
          : (JSON.parse(body.toString('utf8')) as Json);
        spans.push(...flatten(decoded));
        res.writeHead(200, { 'content-type': contentType ?? 'application/json' }).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    requests,
    failWith: (status, headers = {}) => {
      failStatus = status;
      failHeaders = headers;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
