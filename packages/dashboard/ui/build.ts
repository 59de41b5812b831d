// Builds the pages into ui-dist/: index.html, app.js, app.css and their gzip (level 9) twins,
// which the server sends as they are. Run by the package's `build` (`pnpm build:ui`).
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, gzipSync } from 'node:zlib';

const UI = import.meta.dirname;
const OUT = join(UI, '..', 'ui-dist');
/** The budget for everything a page load transfers (gzipped). */
const BUDGET_GZ = 150 * 1024;
const FILES = ['index.html', 'app.js', 'app.css'];

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

await build({
  entryPoints: { app: join(UI, 'main.tsx') },
  outdir: OUT,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome111', 'firefox111', 'safari16.4'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  tsconfig: join(UI, 'tsconfig.json'),
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'none',
  sourcemap: false,
  logLevel: 'warning',
});
writeFileSync(join(OUT, 'index.html'), readFileSync(join(UI, 'index.html')));

const built = readdirSync(OUT).sort();
if (built.join() !== [...FILES].sort().join()) {
  throw new Error(`ui-dist: expected ${FILES.join(', ')}, built ${built.join(', ')}`);
}

let total = 0;
const rows = FILES.map((name) => {
  const raw = readFileSync(join(OUT, name));
  const gz = gzipSync(raw, { level: constants.Z_BEST_COMPRESSION });
  writeFileSync(join(OUT, `${name}.gz`), gz);
  total += gz.length;
  return `  ${name.padEnd(11)} ${String(raw.length).padStart(8)} B  ${String(gz.length).padStart(7)} B gzip`;
});
console.log(`ui-dist:\n${rows.join('\n')}\n  total gzip  ${total} B (budget ${BUDGET_GZ} B)`);
if (total > BUDGET_GZ) {
  throw new Error(`ui-dist: ${total} B gzipped, over the ${BUDGET_GZ} B budget`);
}
