import { createHash } from 'node:crypto';
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
  type Redactor,
} from '@obs/core';
import { keyPrefix, stringifyValue } from './serialize';

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
  service?: { name?: string; version?: string; environment?: string };
  /** fsync after every record, for durability across power loss. @default false */
  fsync?: boolean;
}

export interface AuditLogger {
  /** Appends one record, synchronously; returns its sequence number. Never sampled or throttled. */
  audit(event: AuditEvent): number;
  /** Records that could not be written (each leaves a gap that verification reports). */
  readonly failed: number;
  close(): Promise<void>;
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
const FIXED = ['seq', 'timestamp', 'service', 'environment', 'prev_hash', 'hash'];
const LIMITS = { maxStringLength: 10_000, maxDepth: 10 };

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The last line of a file, read from its end. */
function lastLine(fd: number): string | undefined {
  const { size } = fstatSync(fd);
  if (size === 0) return undefined;
  const chunk = Math.min(size, 1 << 20);
  const buf = Buffer.alloc(chunk);
  readSync(fd, buf, 0, chunk, size - chunk);
  const text = buf.toString('utf8').replace(/\n+$/, '');
  return text.slice(text.lastIndexOf('\n') + 1);
}

/**
 * An append-only audit log (seed 004's security events): each record has a sequence number and
 * the SHA-256 of the previous record, and its own hash covers both, so editing, deleting or
 * reordering any record breaks the chain. `verifyAuditLog(path)` checks a file.
 *
 * Records carry the request's ids from `@obs/core`'s context and pass core's redaction policy.
 *
 * @example
 * ```ts
 * const audit = createAuditLogger({ path: 'audit/audit.log' });
 * audit.audit({ actor: 'u_42', action: 'api_key.rotate', resource: 'workspace/w_7', outcome: 'success' });
 * ```
 */
export function createAuditLogger(options: AuditLoggerOptions): AuditLogger {
  if (typeof options.path !== 'string' || options.path === '') {
    throw new ObsConfigError('path', 'expected the audit file path');
  }
  const service = resolveServiceInfo(options.service);
  const redact: Redactor = createRedactor();
  mkdirSync(dirname(options.path), { recursive: true });
  const fd = openSync(options.path, 'a+');
  let seq = 0;
  let prev = GENESIS;
  const tail = lastLine(fd);
  if (tail !== undefined) {
    const hash = TAIL.exec(tail)?.[1];
    let lastSeq: unknown;
    try {
      lastSeq = (JSON.parse(tail) as { seq?: unknown }).seq;
    } catch {
      // handled below
    }
    if (!hash || typeof lastSeq !== 'number') {
      closeSync(fd);
      throw new ObsConfigError(
        'path',
        `${options.path} does not end with an audit record; check it with verifyAuditLog()`,
      );
    }
    seq = lastSeq;
    prev = hash;
  }
  const head = `,"service":${JSON.stringify(service.name)},"environment":${JSON.stringify(service.environment)}`;
  let failed = 0;
  let closed = false;

  return {
    audit(event: AuditEvent): number {
      if (closed) throw new ObsError('SHUTDOWN', 'the audit logger is closed');
      const given = event as Partial<AuditEvent> | null | undefined; // JavaScript callers
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
      const fields = redact({ ...event, ...contextFields() }) as Record<string, unknown>;
      let body = `{"seq":${seq},"timestamp":"${new Date().toISOString()}"${head}`;
      for (const key of Object.keys(fields)) {
        const json = stringifyValue(fields[key], LIMITS, 1);
        if (json !== undefined)
          body += keyPrefix(FIXED.includes(key) ? `field_${key}` : key) + json;
      }
      body += `,"prev_hash":"${prev}"`;
      const hash = sha256(`${body}}`);
      // The chain advances even if the write fails, so a lost record shows up as a break.
      prev = hash;
      try {
        writeSync(fd, `${body},"hash":"${hash}"}\n`);
        if (options.fsync) fsyncSync(fd);
      } catch (err) {
        failed++;
        reportInternalError(err, '@obs/logging: audit log');
      }
      return seq;
    },
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
 * Checks an audit file: every line a record, sequence numbers consecutive, each `prev_hash` the
 * previous record's hash, and each hash matching the record's content. Reads the file as a stream.
 */
export async function verifyAuditLog(path: string): Promise<AuditVerification> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let prev = GENESIS;
  let expectedSeq = 1; // the chain starts at 1, after the all-zero hash
  let n = 0;
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
    if (sha256(`${line.slice(0, match.index)}}`) !== match[1])
      return fail('hash does not match the content: the record was edited');
    prev = match[1]!;
    expectedSeq = record.seq + 1;
  }
  return { ok: true, records: n };
}
