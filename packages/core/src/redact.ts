import { ObsConfigError } from './errors';

/** A replacement for redacted values: a fixed string, or a function of the value and its path. */
export type Censor = string | ((value: unknown, path: readonly string[]) => unknown);

export interface RedactorOptions {
  /**
   * Paths to redact, added to {@link DEFAULT_REDACT_PATHS} (unless `defaults` is false). Every path
   * is anchored at the root of the value and matched case-insensitively, segment by segment:
   * - `headers.authorization`: exact keys;
   * - `*.password`: `*` is any one key (or array index);
   * - `**.password`: `**` is any number of levels, zero included;
   * - `**.*token*`: a segment with `*` inside is a key pattern (a glob over the key).
   * @default []
   */
  paths?: readonly string[];
  /** @default '[REDACTED]' */
  censor?: Censor;
  /** Include {@link DEFAULT_REDACT_PATHS}. @default true */
  defaults?: boolean;
}

/** Returns a redacted copy of `value`; the input is never modified. Never throws. */
export type Redactor = (value: unknown) => unknown;

/**
 * Keys that hold credentials, at any depth: passwords, secrets, tokens, API keys, authorization
 * and cookie headers, card numbers. `*token` ends the key, so counts such as `max_tokens` and
 * `token_count` survive; `*secret*` errs on the safe side and also catches `secretary`.
 */
export const DEFAULT_REDACT_PATHS: readonly string[] = Object.freeze([
  '**.*password*',
  '**.*passwd*',
  '**.*passphrase*',
  '**.*secret*',
  '**.*token',
  '**.*api_key*',
  '**.*apikey*',
  '**.*api-key*',
  '**.*authorization*',
  '**.*cookie',
  '**.cookies',
  '**.tokens',
  '**.*_token_*',
  '**.*-token-*',
  '**.*private_key*',
  '**.*private-key*',
  '**.*privatekey*',
  '**.*credit_card*',
  '**.*credit-card*',
  '**.*creditcard*',
  '**.*card_number*',
  '**.*card-number*',
  '**.*cardnumber*',
  '**.cvv',
  '**.cvc',
]);

const DEFAULT_CENSOR = '[REDACTED]';
const CIRCULAR = '[Circular]';
const TOO_DEEP = '[Truncated: nesting limit]';
const UNREADABLE = '[Unreadable: getter threw]';
const MAX_DEPTH = 100;
const TOO_BIG = '[Truncated: size limit]';
/**
 * Objects walked per call. Shared references are walked once per path (the same object may need
 * different redaction on different paths), so a deeply shared structure could otherwise take
 * exponential time.
 */
const MAX_NODES = 10_000;
/** Transitions remembered per state set; past this the memo starts over (keys are usually few). */
const MAX_MEMO_KEYS = 2000;

const enum Kind {
  Literal,
  Glob,
  AnyKey,
  AnyDepth,
}

interface Segment {
  readonly kind: Kind;
  readonly literal: string;
  readonly glob: RegExp | undefined;
}

/** Where a redactor stands in every path at once: a set of positions, memoised per key. */
interface StateSet {
  readonly ids: readonly number[];
  readonly memo: Map<string, Transition>;
}

interface Transition {
  readonly redact: boolean;
  readonly next: StateSet;
}

function parseSegment(text: string): Segment {
  if (text === '**') return { kind: Kind.AnyDepth, literal: '', glob: undefined };
  if (text === '*') return { kind: Kind.AnyKey, literal: '', glob: undefined };
  const lower = text.toLowerCase();
  if (!lower.includes('*')) return { kind: Kind.Literal, literal: lower, glob: undefined };
  const source = lower
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return { kind: Kind.Glob, literal: '', glob: new RegExp(`^${source}$`, 's') };
}

function matches(seg: Segment, lowerKey: string): boolean {
  switch (seg.kind) {
    case Kind.AnyKey:
      return true;
    case Kind.Literal:
      return seg.literal === lowerKey;
    case Kind.Glob:
      return seg.glob!.test(lowerKey);
    case Kind.AnyDepth:
      return false;
  }
}

class PathAutomaton {
  /** Segment of each position, and the position after it (-1: the path ends there). */
  private readonly segs: Segment[] = [];
  private readonly after: number[] = [];
  private readonly interned = new Map<string, StateSet>();
  readonly start: StateSet;

  constructor(paths: readonly string[]) {
    const starts: number[] = [];
    for (const path of paths) {
      const parts = path.split('.');
      starts.push(this.segs.length);
      parts.forEach((part, i) => {
        this.segs.push(parseSegment(part));
        this.after.push(i === parts.length - 1 ? -1 : this.segs.length);
      });
    }
    const ids: number[] = [];
    for (const id of starts) this.addClosed(ids, id);
    this.start = this.intern(ids);
  }

  /** Adds a position, and, when it is `**`, the positions `**` may match zero levels into. */
  private addClosed(ids: number[], id: number): void {
    if (ids.includes(id)) return;
    ids.push(id);
    if (this.segs[id]!.kind === Kind.AnyDepth) this.addClosed(ids, this.after[id]!);
  }

  private intern(ids: number[]): StateSet {
    ids.sort((a, b) => a - b);
    const key = ids.join(',');
    let set = this.interned.get(key);
    if (!set) {
      set = { ids, memo: new Map() };
      this.interned.set(key, set);
    }
    return set;
  }

  step(set: StateSet, key: string): Transition {
    let t = set.memo.get(key);
    if (t) return t;
    const lowerKey = key.toLowerCase();
    let redact = false;
    const next: number[] = [];
    for (const id of set.ids) {
      const seg = this.segs[id]!;
      if (seg.kind === Kind.AnyDepth) {
        this.addClosed(next, id);
      } else if (matches(seg, lowerKey)) {
        const n = this.after[id]!;
        if (n === -1) redact = true;
        else this.addClosed(next, n);
      }
    }
    t = { redact, next: this.intern(next) };
    if (set.memo.size >= MAX_MEMO_KEYS) set.memo.clear();
    set.memo.set(key, t);
    return t;
  }
}

function validatePaths(paths: unknown): readonly string[] {
  if (!Array.isArray(paths)) throw new ObsConfigError('paths', 'expected an array of strings');
  paths.forEach((path: unknown, i) => {
    if (typeof path !== 'string' || path === '') {
      throw new ObsConfigError(`paths[${i}]`, 'expected a non-empty string');
    }
    const parts = path.split('.');
    if (parts.some((p) => p === '')) {
      throw new ObsConfigError(`paths[${i}]`, `"${path}" has an empty segment`);
    }
    if (parts.at(-1) === '**') {
      throw new ObsConfigError(`paths[${i}]`, `"${path}" must not end with "**"`);
    }
  });
  return paths as readonly string[];
}

/** Objects with no keys worth walking: passed through as they are. */
function isOpaque(value: object): boolean {
  return (
    value instanceof Date ||
    value instanceof RegExp ||
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    value instanceof Promise ||
    value instanceof WeakMap ||
    value instanceof WeakSet
  );
}

function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    out[key] = value;
  }
}

/** Own properties of errors that are not enumerable on native errors but carry content. */
const ERROR_FIELDS = ['name', 'message', 'stack', 'cause', 'errors'] as const;

/**
 * One redaction pass. A walker is reused across calls (its stacks are emptied after each), since
 * allocating closures and arrays per call cost more than the walk itself on small payloads.
 */
class Walker {
  private readonly ancestors: object[] = [];
  private readonly path: string[] = [];
  private nodes = 0;
  private busy = false;

  constructor(
    private readonly automaton: PathAutomaton,
    private readonly censor: Censor,
  ) {}

  redact(value: unknown): unknown {
    // A censor function that redacts again re-enters: give it a walker of its own.
    if (this.busy) return new Walker(this.automaton, this.censor).redact(value);
    this.busy = true;
    try {
      return this.walk(value, this.automaton.start);
    } catch {
      // Only exotic objects (revoked proxies) get here; dropping is safer than leaking.
      return DEFAULT_CENSOR;
    } finally {
      this.busy = false;
      this.nodes = 0;
      this.ancestors.length = 0;
      this.path.length = 0;
    }
  }

  private censored(original: unknown, key: string): unknown {
    const { censor } = this;
    if (typeof censor === 'string') return censor;
    try {
      return censor(original, [...this.path, key]);
    } catch {
      return DEFAULT_CENSOR;
    }
  }

  private child(set: StateSet, key: string, original: unknown): unknown {
    const t = this.automaton.step(set, key);
    if (t.redact && original !== undefined) return this.censored(original, key);
    if (typeof original !== 'object' || original === null) return original;
    const tracksPath = typeof this.censor === 'function';
    if (tracksPath) this.path.push(key);
    const out = this.walk(original, t.next);
    if (tracksPath) this.path.pop();
    return out;
  }

  private copyEntries(source: object, target: Record<string, unknown>, set: StateSet): void {
    const keys = Object.keys(source);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      let value: unknown;
      try {
        value = this.child(set, key, (source as Record<string, unknown>)[key]);
      } catch {
        value = UNREADABLE;
      }
      setOwn(target, key, value);
    }
  }

  private walk(node: unknown, set: StateSet): unknown {
    if (typeof node !== 'object' || node === null) return node;
    const proto = Object.getPrototypeOf(node) as object | null;
    const plain = proto === Object.prototype;
    if (!plain && isOpaque(node)) return node;
    const { ancestors } = this;
    if (ancestors.includes(node)) return CIRCULAR;
    if (ancestors.length >= MAX_DEPTH) return TOO_DEEP;
    if (++this.nodes > MAX_NODES) return TOO_BIG;
    ancestors.push(node);
    try {
      if (plain) {
        const out: Record<string, unknown> = {};
        this.copyEntries(node, out, set);
        return out;
      }
      if (Array.isArray(node)) {
        const out = new Array<unknown>(node.length);
        for (let i = 0; i < node.length; i++) out[i] = this.child(set, String(i), node[i]);
        return out;
      }
      if (node instanceof Map) {
        const out = new Map<unknown, unknown>();
        for (const [k, v] of node) {
          const key: unknown = typeof k === 'object' && k !== null ? this.walk(k, set) : k;
          out.set(key, this.child(set, String(k), v));
        }
        return out;
      }
      if (node instanceof Set) {
        const out = new Set<unknown>();
        let i = 0;
        for (const v of node) out.add(this.child(set, String(i++), v));
        return out;
      }
      if (node instanceof Error) {
        // Errors keep their prototype (serializers recognise them); message, stack and cause are
        // own but not enumerable on native errors.
        const out = Object.create(proto) as Record<string, unknown>;
        for (const key of ERROR_FIELDS) {
          if (!Object.prototype.hasOwnProperty.call(node, key)) continue;
          Object.defineProperty(out, key, {
            value: this.child(set, key, (node as unknown as Record<string, unknown>)[key]),
            writable: true,
            configurable: true,
            enumerable: Object.prototype.propertyIsEnumerable.call(node, key),
          });
        }
        this.copyEntries(node, out, set);
        return out;
      }
      if (node instanceof URLSearchParams || node instanceof Headers) {
        // Their content lives in internal slots: copy the entries, where credentials hide.
        const out: Record<string, unknown> = {};
        node.forEach((value, key) => {
          const prev: unknown = out[key];
          const next: unknown = this.child(set, key, value);
          setOwn(
            out,
            key,
            prev === undefined
              ? next
              : [...(Array.isArray(prev) ? (prev as unknown[]) : [prev]), next],
          );
        });
        return out;
      }
      const toJSON = (node as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') {
        // What a serializer would emit (URL → href); a copy's methods would lose their receiver.
        return this.walk(toJSON.call(node), set);
      }
      // Class instances and null-prototype objects: their own fields, as a plain object. A copy
      // with the original prototype would break methods that rely on private state.
      const out: Record<string, unknown> = {};
      this.copyEntries(node, out, set);
      return out;
    } finally {
      ancestors.pop();
    }
  }
}

/**
 * Creates the redaction policy that every @obs signal applies: logs, span attributes and error
 * events are scrubbed by the same rules.
 *
 * Plain objects, arrays, `Map`s, `Set`s, errors and class instances are copied and walked (errors
 * and class instances keep their prototype); dates, buffers and other opaque objects pass through.
 * Cycles become `'[Circular]'`, nesting past 100 levels `'[Truncated: nesting limit]'`, and a
 * getter that throws `'[Unreadable: getter threw]'`.
 *
 * @throws ObsConfigError naming the bad option.
 * @example
 * ```ts
 * const redact = createRedactor({ paths: ['body.ssn', '**.x-internal-*'] });
 * redact({ headers: { authorization: 'Bearer abc' }, body: { ssn: '123' } });
 * // → { headers: { authorization: '[REDACTED]' }, body: { ssn: '[REDACTED]' } }
 * ```
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const { paths = [], censor = DEFAULT_CENSOR, defaults = true } = options;
  const extra = validatePaths(paths);
  if (typeof censor !== 'string' && typeof censor !== 'function') {
    throw new ObsConfigError('censor', 'expected a string or a function');
  }
  if (typeof defaults !== 'boolean') throw new ObsConfigError('defaults', 'expected a boolean');
  const walker = new Walker(
    new PathAutomaton(defaults ? [...DEFAULT_REDACT_PATHS, ...extra] : extra),
    censor,
  );
  return (value) => walker.redact(value);
}
