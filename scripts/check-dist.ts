// Checks the built package in the current directory the way a consumer meets it: from a separate
// directory, without the @obs/source condition, every exports entry must load through require()
// and through import(), with its .d.ts/.d.cts beside it, and both builds must expose the same names.
// Run after `build` (turbo's check:dist task depends on it).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

interface Target {
  types?: string;
  default?: string;
}

function loadNames(consumer: string, specifier: string, mode: 'require' | 'import'): string[] {
  const code =
    mode === 'require'
      ? `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(specifier)})).sort()))`
      : `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort()))`;
  const args = mode === 'require' ? ['-e', code] : ['--input-type=module', '-e', code];
  const out = execFileSync(process.execPath, args, { cwd: consumer, encoding: 'utf8' });
  return JSON.parse(out) as string[];
}

export function checkDist(pkgDir: string): string[] {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
    name: string;
    exports: Record<string, Record<string, Target | string>>;
  };
  const problems: string[] = [];
  const consumer = mkdtempSync(join(tmpdir(), 'obs-consumer-'));
  try {
    const link = join(consumer, 'node_modules', pkg.name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(pkgDir, link, 'dir');
    for (const [subpath, entry] of Object.entries(pkg.exports)) {
      if (subpath === './package.json') continue;
      const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
      for (const mode of ['import', 'require'] as const) {
        const target = entry[mode] as Target;
        for (const file of [target.types, target.default]) {
          if (!file || !existsSync(join(pkgDir, file)))
            problems.push(`${specifier} (${mode}): ${file} is missing`);
        }
      }
      try {
        const cjs = loadNames(consumer, specifier, 'require');
        const esm = loadNames(consumer, specifier, 'import');
        if (cjs.length === 0) problems.push(`${specifier}: require() exposes nothing`);
        if (JSON.stringify(cjs) !== JSON.stringify(esm)) {
          problems.push(
            `${specifier}: require() exposes [${cjs.join(', ')}] but import() exposes [${esm.join(', ')}]`,
          );
        }
      } catch (err) {
        problems.push(`${specifier}: failed to load: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  } finally {
    rmSync(consumer, { recursive: true, force: true });
  }
  return problems;
}

if (require.main === module) {
  const problems = checkDist(process.cwd());
  for (const p of problems) console.error(`✗ ${p}`);
  if (problems.length > 0) process.exitCode = 1;
  else console.log('dist: every entry loads through require() and import(), with types');
}
