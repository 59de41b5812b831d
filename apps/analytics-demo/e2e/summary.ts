// Jest's global setup and teardown for the suite: start a fresh summary, and print it as one
// table at the end (requests sent/answered/logged/counted, faults, hostile cases, alert latency).
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS } from './harness';

const FILE = join(ARTIFACTS, 'e2e-summary.jsonl');

export function setup(): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  rmSync(FILE, { force: true });
}

export function teardown(): void {
  let rows: { section: string; item: string; figures: string }[] = [];
  try {
    rows = readFileSync(FILE, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { section: string; item: string; figures: string });
  } catch {
    return;
  }
  const width = (key: 'section' | 'item') => Math.max(...rows.map((r) => r[key].length), 7);
  const [ws, wi] = [width('section'), width('item')];
  const lines = [
    '',
    'end-to-end summary',
    `${'section'.padEnd(ws)}  ${'item'.padEnd(wi)}  figures`,
    `${'-'.repeat(ws)}  ${'-'.repeat(wi)}  -------`,
    ...rows.map((r) => `${r.section.padEnd(ws)}  ${r.item.padEnd(wi)}  ${r.figures}`),
    '',
  ];
  console.log(lines.join('\n'));
}
