/**
 * JSON text for log values that `JSON.stringify` would throw on, drop, or blow up: errors become
 * `{type, message, stack, code?, cause?}`, BigInt a string, buffers a size, Maps objects, Sets
 * arrays, symbols and functions their description; long strings are cut with a marker and deep
 * nesting is capped. Input has already been through the redactor, which removed cycles and
 * unreadable getters. Never throws.
 */
export interface SerializeLimits {
  /** Strings longer than this are cut, with a `…[truncated N chars]` marker. */
  readonly maxStringLength: number;
  /** Objects and arrays deeper than this become `"[Object]"` / `"[Array]"`. */
  readonly maxDepth: number;
}

const MAX_CAUSES = 5;
/** Strings JSON would copy as they are: no quote, backslash, control character or lone surrogate. */
// eslint-disable-next-line no-control-regex
const VERBATIM = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** A JSON string literal; a regex test and a concatenation are ~3× cheaper than JSON.stringify. */
export function quote(value: string): string {
  return value.length < 256 && VERBATIM.test(value) ? `"${value}"` : JSON.stringify(value);
}

const keyCache = new Map<string, string>();
const MAX_CACHED_KEYS = 4096;

/** `,"key":`, cached: field names repeat from record to record. */
export function keyPrefix(key: string): string {
  let prefix = keyCache.get(key);
  if (prefix === undefined) {
    prefix = `,${quote(key)}:`;
    if (keyCache.size >= MAX_CACHED_KEYS) keyCache.clear();
    keyCache.set(key, prefix);
  }
  return prefix;
}

export function stringifyString(value: string, limits: SerializeLimits): string {
  if (value.length <= limits.maxStringLength) return quote(value);
  const cut = value.length - limits.maxStringLength;
  return JSON.stringify(`${value.slice(0, limits.maxStringLength)}…[truncated ${cut} chars]`);
}

/** The `type` of a logged error. */
export function errorType(err: Error): string {
  return err.name || err.constructor.name || 'Error';
}

function errorObject(err: Error, causes: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: errorType(err),
    message: err.message,
    stack: err.stack,
  };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  const cause = (err as { cause?: unknown }).cause;
  if (cause !== undefined) {
    out.cause =
      cause instanceof Error
        ? causes < MAX_CAUSES
          ? errorObject(cause, causes + 1)
          : '[cause chain truncated]'
        : cause;
  }
  return out;
}

/** Per-call state: the objects being serialized (for cycles) and how many were visited. */
export interface Walk {
  readonly ancestors: object[];
  nodes: number;
}

/** Objects serialized per call; past this a value becomes a marker (shared structures blow up). */
const MAX_NODES = 10_000;

function objectBody(
  entries: Iterable<[string, unknown]>,
  limits: SerializeLimits,
  depth: number,
  walk: Walk,
) {
  let out = '';
  for (const [key, v] of entries) {
    const json = stringifyValue(v, limits, depth + 1, walk);
    if (json === undefined) continue;
    out += keyPrefix(key) + json;
  }
  return `{${out.slice(1)}}`;
}

/**
 * JSON text for `value`, or `undefined` where JSON would omit it (an undefined property). Copes
 * with cycles and huge shared structures on its own, for when redaction (which also removes them)
 * is turned off.
 */
export function stringifyValue(
  value: unknown,
  limits: SerializeLimits,
  depth = 0,
  walk: Walk = { ancestors: [], nodes: 0 },
): string | undefined {
  switch (typeof value) {
    case 'string':
      return stringifyString(value, limits);
    case 'number':
      return Number.isFinite(value) ? String(value) : `"${String(value)}"`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return undefined;
    case 'bigint':
      return `"${value.toString()}"`;
    case 'symbol':
      return quote(value.toString());
    case 'function':
      return quote(`[Function: ${value.name || 'anonymous'}]`);
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (walk.ancestors.includes(obj)) return '"[Circular]"';
  if (++walk.nodes > MAX_NODES) return '"[Truncated: size limit]"';
  walk.ancestors.push(obj);
  try {
    if (obj instanceof Error) {
      return depth >= limits.maxDepth
        ? JSON.stringify(`[${obj.name}: ${obj.message}]`)
        : objectBody(Object.entries(errorObject(obj, 0)), limits, depth, walk);
    }
    if (obj instanceof Date) {
      return Number.isNaN(obj.getTime()) ? '"Invalid Date"' : `"${obj.toISOString()}"`;
    }
    if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) {
      const name = Buffer.isBuffer(obj) ? 'Buffer' : obj.constructor.name;
      return `"[${name}: ${obj.byteLength} bytes]"`;
    }
    if (depth >= limits.maxDepth)
      return Array.isArray(obj) || obj instanceof Set ? '"[Array]"' : '"[Object]"';
    if (Array.isArray(obj) || obj instanceof Set) {
      let out = '';
      let first = true;
      for (const item of obj as Iterable<unknown>) {
        out += `${first ? '' : ','}${stringifyValue(item, limits, depth + 1, walk) ?? 'null'}`;
        first = false;
      }
      return `[${out}]`;
    }
    if (obj instanceof Map) {
      const entries = [...(obj as Map<unknown, unknown>)].map(([k, v]): [string, unknown] => [
        String(k),
        v,
      ]);
      return objectBody(entries, limits, depth, walk);
    }
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      return stringifyValue(toJSON.call(obj) as unknown, limits, depth, walk);
    }
    return objectBody(Object.entries(obj), limits, depth, walk);
  } catch {
    return '"[Unserializable]"';
  } finally {
    walk.ancestors.pop();
  }
}

/**
 * `,"key":value` for each field, for a record whose own keys are `reserved`: a field named like
 * one is written as `field_<key>` (`field_field_<key>` if that is taken too), so no key is ever
 * written twice. Fields are expected redacted already.
 */
export function fieldsJson(
  fields: Readonly<Record<string, unknown>>,
  reserved: ReadonlySet<string>,
  limits: SerializeLimits,
): string {
  const walk: Walk = { ancestors: [], nodes: 0 };
  let out = '';
  for (const key of Object.keys(fields)) {
    const json = stringifyValue(fields[key], limits, 1, walk);
    if (json === undefined) continue;
    let name = key;
    if (reserved.has(key)) {
      name = `field_${key}`;
      while (name in fields) name = `field_${name}`;
    }
    out += keyPrefix(name) + json;
  }
  return out;
}
