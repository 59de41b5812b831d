import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { runCli } from './cli';

const promtool = spawnSync('promtool', ['--version']).status === 0;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }, out, err };
}

describe('obs-alerts export', () => {
  it('writes the standard rules and their promtool tests, which promtool accepts', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'obs-cli-')), 'monitoring');
    const { io, out } = capture();
    expect(await runCli(['export', '--out', dir], io)).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['rules.test.yml', 'rules.yml']);
    expect(out[0]).toMatch(/11 rules/);
    if (!promtool) return;
    expect(spawnSync('promtool', ['check', 'rules', join(dir, 'rules.yml')]).status).toBe(0);
    expect(spawnSync('promtool', ['test', 'rules', 'rules.test.yml'], { cwd: dir }).status).toBe(0);
  });

  it('takes a config module with routes and receivers, and writes alertmanager.yml', async () => {
    const base = mkdtempSync(join(tmpdir(), 'obs-cli-'));
    // CommonJS here: jest runs this code as CommonJS; the command itself loads .mjs as well.
    const config = join(base, 'alerts.config.cjs');
    writeFileSync(
      config,
      `module.exports = { route: { receiver: 'team' }, receivers: [{ name: 'team', webhook: { url: 'http://127.0.0.1:3000/alerts/webhook' } }] };`,
    );
    const { io, err } = capture();
    const code = await runCli(['export', '--out', join(base, 'out'), '--config', config], io);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(readdirSync(join(base, 'out')).sort()).toEqual([
      'alertmanager.yml',
      'rules.test.yml',
      'rules.yml',
    ]);
  });

  it('takes a config compiled from ESM to CommonJS (exports.default), as tsc and swc write it', async () => {
    const base = mkdtempSync(join(tmpdir(), 'obs-cli-'));
    const config = join(base, 'alerts.config.cjs');
    writeFileSync(
      config,
      `Object.defineProperty(exports, '__esModule', { value: true }); exports.helper = 1; exports.default = { groupName: 'compiled', route: { receiver: 'team' }, receivers: [{ name: 'team', webhook: { url: 'http://127.0.0.1:3000/alerts/webhook' } }] };`,
    );
    const { io, err } = capture();
    expect(await runCli(['export', '--out', join(base, 'out'), '--config', config], io)).toBe(0);
    expect(err).toEqual([]);
    expect(readFileSync(join(base, 'out', 'rules.yml'), 'utf8')).toContain('name: compiled');
    expect(readdirSync(join(base, 'out'))).toContain('alertmanager.yml');
  });

  it('answers bad usage with exit code 2 and the usage, and a broken config with 1', async () => {
    const { io, err } = capture();
    expect(await runCli(['deploy'], io)).toBe(2);
    expect(await runCli(['export'], io)).toBe(2);
    expect(await runCli(['export', '--out'], io)).toBe(2);
    expect(err.join('\n')).toContain('usage: obs-alerts export');
    expect(
      await runCli(['export', '--out', tmpdir(), '--config', '/nonexistent/alerts.mjs'], io),
    ).toBe(1);
  });
});
