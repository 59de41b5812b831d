// Test helpers for exposition output: Prometheus's own promtool as the format's judge, and a
// reader of sample lines for asserting values.
import { execFileSync, spawnSync } from 'node:child_process';

export const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

/** `promtool check metrics` on the text: '' when clean, else what it found. */
export function promtoolProblems(text: string): string {
  const res = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (res.error) throw res.error;
  return res.status === 0 ? '' : `${res.stdout}${res.stderr}`.trim() || `exit ${res.status}`;
}

/** Sample lines as `name{labels}` → value, in order (comments skipped). */
export function samples(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([^\s{]+(?:\{.*\})?) (\S+)/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    out.set(m[1]!, m[2]!);
  }
  return out;
}

export { execFileSync };
