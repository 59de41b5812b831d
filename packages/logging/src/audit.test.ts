import fs from 'node:fs';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import { runWithContext, setInternalErrorHandler } from '@obs/core';
import { createAuditLogger, verifyAuditLog } from './audit';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'obs-audit-'));
  path = join(dir, 'audit', 'audit.log');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function records(): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function writeSample(n: number): Promise<void> {
  const audit = createAuditLogger({ path, service: { name: 'analytics' } });
  for (let i = 0; i < n; i++) {
    audit.audit({
      actor: `u${i}`,
      action: 'api_key.create',
      resource: `workspace/w${i}`,
      outcome: 'success',
    });
  }
  await audit.close();
}

function rewrite(edit: (lines: string[]) => string[]): void {
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  writeFileSync(path, `${edit(lines).join('\n')}\n`);
}

describe('createAuditLogger', () => {
  it('writes numbered, hash-chained records with the request context, redacted', async () => {
    const audit = createAuditLogger({ path, service: { name: 'analytics', environment: 'prod' } });
    runWithContext({ requestId: 'req-1', userId: 'u_42', workspaceId: 'w_7' }, () => {
      expect(
        audit.audit({
          actor: 'u_42',
          action: 'login',
          resource: 'session',
          outcome: 'failure',
          reason: 'bad password',
          password: 'hunter2',
        }),
      ).toBe(1);
      expect(
        audit.audit({ actor: 'u_42', action: 'login', resource: 'session', outcome: 'success' }),
      ).toBe(2);
    });
    await audit.close();
    const [first, second] = records();
    expect(first).toMatchObject({
      seq: 1,
      service: 'analytics',
      environment: 'prod',
      actor: 'u_42',
      action: 'login',
      resource: 'session',
      outcome: 'failure',
      reason: 'bad password',
      password: '[REDACTED]',
      request_id: 'req-1',
      workspace_id: 'w_7',
      prev_hash: '0'.repeat(64),
    });
    expect(second).toMatchObject({ seq: 2, prev_hash: first!.hash });
    expect(first!.timestamp).toMatch(/Z$/);
    expect(await verifyAuditLog(path)).toEqual({ ok: true, records: 2 });
  });

  it('renames event fields that clash with its own keys, never writing a key twice', async () => {
    const audit = createAuditLogger({ path });
    audit.audit({
      actor: 'a',
      action: 'b',
      resource: 'c',
      outcome: 'success',
      seq: 99,
      field_seq: 98,
    });
    await audit.close();
    const line = readFileSync(path, 'utf8').trim();
    expect(line.match(/"field_seq"/g)).toHaveLength(1);
    expect(JSON.parse(line)).toMatchObject({ seq: 1, field_seq: 98, field_field_seq: 99 });
    expect(await verifyAuditLog(path)).toEqual({ ok: true, records: 1 });
  });

  it('continues the chain after a restart', async () => {
    await writeSample(3);
    const audit = createAuditLogger({ path });
    expect(
      audit.audit({ actor: 'admin', action: 'export', resource: 'audit', outcome: 'success' }),
    ).toBe(4);
    await audit.close();
    expect(records()[3]!.prev_hash).toBe(records()[2]!.hash);
    expect(await verifyAuditLog(path)).toEqual({ ok: true, records: 4 });
  });

  it('refuses to continue a file that does not end with an audit record', () => {
    appendFileSync(join(dir, 'garbage.log'), 'not an audit record\n');
    expect(() => createAuditLogger({ path: join(dir, 'garbage.log') })).toThrow(
      expect.objectContaining({ option: 'path' }),
    );
  });

  it('lets the event’s own ids win over the context’s, and survives a throwing getter', async () => {
    const audit = createAuditLogger({ path });
    const event = {
      actor: 'admin',
      action: 'impersonate',
      resource: 'user/u_9',
      outcome: 'success' as const,
      user_id: 'u_9',
      get broken(): never {
        throw new Error('getter');
      },
    };
    runWithContext({ requestId: 'req-2', userId: 'admin-session' }, () => audit.audit(event));
    await audit.close();
    expect(records()[0]).toMatchObject({
      user_id: 'u_9',
      request_id: 'req-2',
      broken: '[Unreadable: getter threw]',
    });
  });

  it('continues after a record cut short by a crash, leaving the damage for verification to find', async () => {
    await writeSample(2);
    appendFileSync(path, '{"seq":3,"timestamp":"2026-11-22T');
    const reports: unknown[] = [];
    setInternalErrorHandler((err) => reports.push(err));
    try {
      const audit = createAuditLogger({ path });
      expect(audit.audit({ actor: 'a', action: 'b', resource: 'c', outcome: 'success' })).toBe(3);
      await audit.close();
    } finally {
      setInternalErrorHandler(undefined);
    }
    expect(String(reports[0])).toContain('partial record');
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, records: 2, error: { line: 3 } });
    const lines = readFileSync(path, 'utf8').split('\n');
    const second = JSON.parse(lines[1]!) as { hash: string };
    expect(JSON.parse(lines[3]!)).toMatchObject({ seq: 3, prev_hash: second.hash });
  });

  it('continues the chain after a record larger than 1 MiB, even with a partial record after it', async () => {
    // 200 strings of 9000 characters: each stays under maxStringLength, the record is ~1.8 MB
    const big = Array.from({ length: 200 }, (_, i) => `${i}`.padEnd(9000, 'x'));
    let audit = createAuditLogger({ path });
    audit.audit({ actor: 'a', action: 'import', resource: 'r', outcome: 'success', big });
    const first = audit.head();
    await audit.close();
    expect(readFileSync(path).length).toBeGreaterThan(1 << 20);

    audit = createAuditLogger({ path });
    expect(audit.head()).toEqual(first);
    expect(audit.audit({ actor: 'a', action: 'b', resource: 'c', outcome: 'success' })).toBe(2);
    await audit.close();
    expect(await verifyAuditLog(path)).toEqual({ ok: true, records: 2 });

    // a crash cut the next big record short: the head is the whole record before it
    const second = records()[1]!;
    appendFileSync(path, `{"seq":3,"big":"${'y'.repeat(300_000)}`);
    const reports: unknown[] = [];
    setInternalErrorHandler((err) => reports.push(err));
    try {
      audit = createAuditLogger({ path });
      expect(audit.head()).toEqual({ seq: 2, hash: second.hash as string });
      await audit.close();
    } finally {
      setInternalErrorHandler(undefined);
    }
    expect(String(reports[0])).toContain('partial record');
  });

  it('reads only the end of a long file of small records to find the head', async () => {
    await writeSample(5000);
    const size = readFileSync(path).length;
    expect(size).toBeGreaterThan(1 << 20);
    const read = jest.spyOn(fs, 'readSync');
    try {
      const audit = createAuditLogger({ path });
      expect(audit.head().seq).toBe(5000);
      await audit.close();
      const bytes = read.mock.results.reduce((sum, r) => sum + Number(r.value), 0);
      expect(bytes).toBeGreaterThan(0);
      expect(bytes).toBeLessThan(size / 10);
    } finally {
      read.mockRestore();
    }
  });

  it('signs with a key: verification needs it, and a recomputed plain chain fails', async () => {
    const key = 'audit-secret';
    const audit = createAuditLogger({ path, key });
    for (let i = 0; i < 3; i++)
      audit.audit({ actor: `u${i}`, action: 'x', resource: 'r', outcome: 'success' });
    await audit.close();
    expect(await verifyAuditLog(path, { key })).toEqual({ ok: true, records: 3 });
    expect((await verifyAuditLog(path)).ok).toBe(false);
    // A forger without the key edits record 2 and recomputes the whole chain with SHA-256.
    rewrite((lines) => {
      let prev = '0'.repeat(64);
      return lines.map((line, i) => {
        const rec = JSON.parse(line) as Record<string, unknown>;
        const { hash: _old, ...rest } = rec;
        const body = JSON.stringify({
          ...rest,
          actor: i === 1 ? 'mallory' : rest.actor,
          prev_hash: prev,
        });
        prev = createHash('sha256').update(body).digest('hex');
        return `${body.slice(0, -1)},"hash":"${prev}"}`;
      });
    });
    expect((await verifyAuditLog(path)).ok).toBe(true); // plain SHA-256 cannot tell
    expect(await verifyAuditLog(path, { key })).toMatchObject({ ok: false, error: { line: 1 } });
  });

  it('reveals records cut from the end against an anchor kept elsewhere', async () => {
    const audit = createAuditLogger({ path });
    for (let i = 0; i < 5; i++)
      audit.audit({ actor: `u${i}`, action: 'x', resource: 'r', outcome: 'success' });
    const anchor = audit.head();
    await audit.close();
    expect(anchor.seq).toBe(5);
    expect(await verifyAuditLog(path, { anchor })).toEqual({ ok: true, records: 5 });
    rewrite((lines) => lines.slice(0, 3));
    expect((await verifyAuditLog(path)).ok).toBe(true); // without an anchor a clean cut looks whole
    expect(await verifyAuditLog(path, { anchor })).toMatchObject({
      ok: false,
      error: { reason: expect.stringContaining('end was cut') },
    });
  });

  it('rejects events without actor, action, resource and a known outcome', async () => {
    const audit = createAuditLogger({ path });
    expect(() =>
      audit.audit({ actor: 'u', action: 'x', resource: 'r', outcome: 'maybe' as 'success' }),
    ).toThrow(expect.objectContaining({ option: 'event' }));
    await audit.close();
  });
});

describe('verifyAuditLog detects', () => {
  beforeEach(() => writeSample(5));

  it('an edited record', async () => {
    rewrite((lines) =>
      lines.map((l, i) => (i === 2 ? l.replace('"outcome":"success"', '"outcome":"failure"') : l)),
    );
    expect(await verifyAuditLog(path)).toMatchObject({
      ok: false,
      records: 2,
      error: { line: 3, reason: expect.stringContaining('edited') },
    });
  });

  it('a removed record', async () => {
    rewrite((lines) => lines.filter((_, i) => i !== 1));
    expect(await verifyAuditLog(path)).toMatchObject({
      ok: false,
      error: { line: 2, reason: expect.stringContaining('missing') },
    });
  });

  it('reordered records', async () => {
    rewrite(([a, b, ...rest]) => [b!, a!, ...rest]);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, error: { line: 1 } });
  });

  it('records cut from the start', async () => {
    rewrite((lines) => lines.slice(2));
    expect(await verifyAuditLog(path)).toMatchObject({
      ok: false,
      error: { line: 1, reason: expect.stringContaining('sequence 3') },
    });
  });

  it('a forged record re-hashed by someone without the chain', async () => {
    rewrite((lines) => {
      const forged = JSON.parse(lines[4]!) as Record<string, unknown>;
      const { hash: _ignored, ...rest } = forged;
      const body = JSON.stringify({ ...rest, actor: 'mallory', prev_hash: '1'.repeat(64) });
      return [...lines.slice(0, 4), `${body.slice(0, -1)},"hash":"${'2'.repeat(64)}"}`];
    });
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, error: { line: 5 } });
  });

  it('a stray line', async () => {
    appendFileSync(path, 'hello\n');
    expect(await verifyAuditLog(path)).toMatchObject({
      ok: false,
      records: 5,
      error: { line: 6, reason: expect.stringContaining('no hash') },
    });
  });
});
