import { createHash, createHmac } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import {
  contextFields,
  createRedactor,
  ObsConfigError,
  ObsError,
  reportInternalError,
  resolveServiceInfo,
  type ServiceInfoOptions,
} from '@obs/core';
import { fieldsJson } from './serialize';

/** Who did what to which resource, and how it ended; any further fields are kept. */
export interface AuditEvent {
  actor: string;
  action: string;
  resource: string;
  outcome: 'success' | 'failure' | 'denied';
  [field: string]: unknown;
}

export interface AuditLoggerOptions {
  /** The audit file (append-only, one writer). Its folder is created when missing. */
  path: string;
  service?: ServiceInfoOptions;
  /**
   * A secret for HMAC-SHA256 hashes. Without it the chain is plain SHA-256: it catches edits by
   * anyone who does not recompute the chain; with it, nobody without the key can.
   */
  key?: string | Buffer;
  /** fsync after every record, for durability across power loss. @default false */
  fsync?: boolean;
}

/** The newest record's sequence number and hash: keep a copy elsewhere to detect a cut tail. */
export interface AuditHead {
  seq: number;
  hash: string;
}

export interface AuditLogger {
  /** Appends one record, synchronously; returns its sequence number. Never sampled or throttled. */
  audit(event: AuditEvent): number;
  /** The chain's newest record, to anchor outside the file (a log line, a metric, a database). */
  head(): AuditHead;
  /** Records that could not be written (each leaves a gap that verification reports). */
  readonly failed: number;
  close(): Promise<void>;
}

export interface VerifyAuditOptions {
  /** The key the log was written with. */
  key?: string | Buffer;
  /** A head kept elsewhere: the file must contain that record, unchanged. */
  anchor?: AuditHead;
}

export interface AuditVerification {
  ok: boolean;
  records: number;
  /** The first broken record (1-based line) and why. */
  error?: { line: number; reason: string };
}

const GENESIS = '0'.repeat(64);
const TAIL = /,"hash":"([0-9a-f]{64})"\}$/;
const OUTCOMES = new Set(['success', 'failure', 'denied']);
const FIXED: ReadonlySet<string> = new Set([
  'seq',
  'timestamp',
  'service',
  'environment',
  'prev_hash',
  'hash',
]);
const LIMITS = { maxStringLength: 10_000, maxDepth: 10 };

function hasher(key: string | Buffer | undefined): (text: string) => string {
  if (key === undefined) return (text) => createHash('sha256').update(text).digest('hex');
  if (!(typeof key === 'string' || Buffer.isBuffer(key)) || key.length === 0) {
    throw new ObsConfigError('key', 'expected a non-empty string or Buffer');
  }
  return (text) => createHmac('sha256', key).update(text).digest('hex');
}

/** A record's sequence number and hash, or undefined when the line is not a whole record. */
function parseRecord(line: string): AuditHead | undefined {
  const hash = TAIL.exec(line)?.[1];
  if (!hash) return undefined;
  try {
    const { seq } = JSON.parse(line) as { seq?: unknown };
    return typeof seq === 'number' ? { seq, hash } : undefined;
  } catch {
    return undefined;
  }
}

/** Bytes read per step when looking for the head: many records, and far less than a big file. */
const HEAD_CHUNK = 64 * 1024;

/**
 * The file's lines from the last one back, read in chunks from the end, so finding the head reads
 * a few records rather than the file. A line is held whole however long it is. The first line
 * given is the text after the last newline: empty when the file ends with one.
 */
function* linesFromEnd(fd: number, size: number): Generator<string> {
  let end = size;
  // The bytes of the line being assembled that lie after `end`, in file order.
  let rest: Buffer[] = [];
  while (end > 0) {
    const start = Math.max(0, end - HEAD_CHUNK);
    const buf = Buffer.alloc(end - start);
    readSync(fd, buf, 0, buf.length, start);
    end = start;
    let stop = buf.length;
    for (let nl = buf.lastIndexOf(10, stop - 1); nl !== -1;) {
      yield Buffer.concat([buf.subarray(nl + 1, stop), ...rest]).toString('utf8');
      rest = [];
      stop = nl;
      // lastIndexOf(x, -1) would search from the end again
      nl = nl > 0 ? buf.lastIndexOf(10, nl - 1) : -1;
    }
    rest.unshift(buf.subarray(0, stop));
  }
  yield Buffer.concat(rest).toString('utf8');
}

/**
 * The newest whole record, and whether the file ends mid-line or with lines that are not records
 * (a crash during a write without fsync leaves half a record behind).
 */
function findHead(fd: number): { head?: AuditHead; damagedTail: boolean; empty: boolean } {
  const { size } = fstatSync(fd);
  if (size === 0) return { damagedTail: false, empty: true };
  let damagedTail = false;
  let first = true;
  for (const line of linesFromEnd(fd, size)) {
    const head = line === '' ? undefined : parseRecord(line);
    // Blank lines are harmless; a line after the head that is not a record, or text after the
    // last newline (even a whole record), is damage: the next record must start a fresh line.
    if (line !== '' && (first || !head)) damagedTail = true;
    if (head) return { head, damagedTail, empty: false };
    first = false;
  }
  return { damagedTail: true, empty: false };
}

/**
 * An append-only audit log (seed 004's security events): each record has a sequence number and
 * the previous record's hash, and its own hash covers both, so editing, deleting, reordering or
 * inserting a record breaks the chain. With a `key` the hashes are HMACs, so the chain cannot be
 * recomputed without it; anchoring `head()` elsewhere also reveals records cut from the end.
 * `verifyAuditLog(path)` checks a file. Records carry the request's ids from `@obs/core`'s
 * context and pass core's redaction policy.
 *
 * @example
 * ```ts
 * const audit = createAuditLogger({ path: 'audit/audit.log', key: process.env.AUDIT_KEY });
 * audit.audit({ actor: 'u_42', action: 'api_key.rotate', resource: 'workspace/w_7', outcome: 'success' });
 * ```
 */
export function createAuditLogger(options: AuditLoggerOptions): AuditLogger {
  if (typeof options.path !== 'string' || options.path === '') {
    throw new ObsConfigError('path', 'expected the audit file path');
  }
  const hash = hasher(options.key);
  const service = resolveServiceInfo(options.service);
  const redact = createRedactor();
  mkdirSync(dirname(options.path), { recursive: true });
  const fd = openSync(options.path, 'a+');
  const found = findHead(fd);
  if (!found.empty && !found.head) {
    closeSync(fd);
    throw new ObsConfigError('path', `${options.path} holds no audit record; is it an audit log?`);
  }
  let { seq, hash: prev } = found.head ?? { seq: 0, hash: GENESIS };
  if (found.damagedTail) {
    // Start on a fresh line after the damage; verification will point at the damaged line.
    writeSync(fd, '\n');
    reportInternalError(
      new Error(`${options.path} ends with a partial record; continuing after record ${seq}`),
      '@obs/logging: audit log',
    );
  }
  const head = `,"service":${JSON.stringify(service.name)},"environment":${JSON.stringify(service.environment)}`;
  let failed = 0;
  let closed = false;

  return {
    audit(event: AuditEvent): number {
      if (closed) throw new ObsError('SHUTDOWN', 'the audit logger is closed');
      // Redacted first: a copy of plain data, so a getter that throws cannot reach the caller.
      const given = redact(event) as Partial<AuditEvent> | null | undefined;
      if (
        typeof given?.actor !== 'string' ||
        typeof given.action !== 'string' ||
        typeof given.resource !== 'string' ||
        !OUTCOMES.has(String(given.outcome))
      ) {
        throw new ObsConfigError(
          'event',
          'expected { actor, action, resource: string, outcome: success | failure | denied }',
        );
      }
      seq += 1;
      // The request's ids first; the event's own fields win.
      const fields: Record<string, unknown> = { ...contextFields(), ...given };
      let body = `{"seq":${seq},"timestamp":"${new Date().toISOString()}"${head}`;
      body += fieldsJson(fields, FIXED, LIMITS);
      body += `,"prev_hash":"${prev}"`;
      const own = hash(`${body}}`);
      // The chain advances even if the write fails, so a lost record shows up as a break.
      prev = own;
      try {
        writeSync(fd, `${body},"hash":"${own}"}\n`);
        if (options.fsync) fsyncSync(fd);
      } catch (err) {
        failed++;
        reportInternalError(err, '@obs/logging: audit log');
      }
      return seq;
    },
    head: () => ({ seq, hash: prev }),
    get failed() {
      return failed;
    },
    close() {
      if (!closed) {
        closed = true;
        closeSync(fd);
      }
      return Promise.resolve();
    },
  };
}

/**
 * Checks an audit file: every line a record, sequence numbers from 1 without gaps, each
 * `prev_hash` the previous record's hash, each hash matching the record's content (and `key`),
 * and, given an `anchor` kept elsewhere, that record present and unchanged. Streams the file.
 */
export async function verifyAuditLog(
  path: string,
  options: VerifyAuditOptions = {},
): Promise<AuditVerification> {
  const hash = hasher(options.key);
  const { anchor } = options;
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let prev = GENESIS;
  let expectedSeq = 1; // the chain starts at 1, after the all-zero hash
  let n = 0;
  let anchorSeen = false;
  for await (const line of lines) {
    n++;
    const fail = (reason: string): AuditVerification => {
      lines.close();
      return { ok: false, records: n - 1, error: { line: n, reason } };
    };
    const match = TAIL.exec(line);
    if (!match) return fail('not an audit record (no hash)');
    let record: { seq?: unknown; prev_hash?: unknown };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      return fail('not valid JSON');
    }
    if (typeof record.seq !== 'number') return fail('no sequence number');
    if (record.seq !== expectedSeq) {
      return fail(
        `sequence ${record.seq} where ${expectedSeq} was expected: records missing or reordered`,
      );
    }
    if (record.prev_hash !== prev) {
      return fail(
        'prev_hash does not match the previous record: a record was changed, removed or inserted',
      );
    }
    if (hash(`${line.slice(0, match.index)}}`) !== match[1]) {
      return fail('hash does not match the content: the record was edited (or the key is wrong)');
    }
    if (anchor && record.seq === anchor.seq) {
      if (match[1] !== anchor.hash) return fail('the anchored record differs from its anchor');
      anchorSeen = true;
    }
    prev = match[1]!;
    expectedSeq = record.seq + 1;
  }
  if (anchor && !anchorSeen) {
    return {
      ok: false,
      records: n,
      error: {
        line: n + 1,
        reason: `record ${anchor.seq} is anchored but missing: the end was cut`,
      },
    };
  }
  return { ok: true, records: n };
}
