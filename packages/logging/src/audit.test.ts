import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { runWithContext } from '@obs/core';
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
