// Runs the benchmarks of the package in the current directory: every bench/*.bench.ts, each in a
// fresh Node process (so one file's JIT state and garbage cannot skew the next), one at a time.
// Sibling packages resolve to their sources through the @obs/source condition: no build needed.
// Usage (from a package): pnpm bench [substring-of-file-name]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function benchFiles(dir: string, filter?: string): string[] {
  const benchDir = join(dir, 'bench');
  if (!existsSync(benchDir)) return [];
  return readdirSync(benchDir)
    .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
    .sort()
    .map((f) => join(benchDir, f));
}

function main(): number {
  const files = benchFiles(process.cwd(), process.argv[2]);
  if (files.length === 0) {
    console.log('no benchmarks here (bench/*.bench.ts)');
    return 0;
  }
  let failed = 0;
  for (const file of files) {
    console.log(`\n=== ${file.slice(process.cwd().length + 1)} ===`);
    const res = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=@obs/source', '--expose-gc', file],
      { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } },
    );
    if (res.status !== 0) failed++;
  }
  return failed === 0 ? 0 : 1;
}

if (require.main === module) process.exitCode = main();
