// Builds the pages into ui-dist/: one index.html with the bundled script and styles inlined, and
// its gzip (level 9) twin. One request instead of three: a new page had its HTML in ~7 ms but
// asked for app.js only 30–50 ms later, and a cached one still revalidated each asset. Run by
// the package's `build` (`pnpm build:ui`).
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, gzipSync } from 'node:zlib';

const UI = import.meta.dirname;
const OUT = join(UI, '..', 'ui-dist');
/** The budget for everything a page load transfers (gzipped). */
const BUDGET_GZ = 150 * 1024;
const FILES = ['index.html'];

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

const bundled = await build({
  entryPoints: { app: join(UI, 'main.tsx') },
  outdir: OUT,
  write: false,
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
const output = (ext: string): string => {
  const file = bundled.outputFiles.find((f) => f.path.endsWith(ext));
  if (!file) throw new Error(`ui build: no ${ext} output`);
  return file.text;
};
// `</script` or `</style` inside the code would end the element early.
const js = output('.js').replace(/<\/script/gi, '<\\/script');
const css = output('.css').replace(/<\/style/gi, '<\\/style');
const template = readFileSync(join(UI, 'index.html'), 'utf8');
const page = template
  .replace('<!-- app.css -->', () => `<style>${css}</style>`)
  .replace('<!-- app.js -->', () => `<script>${js}</script>`);
if (page === template || !page.includes('<style>') || !page.includes(js)) {
  throw new Error('ui build: index.html lacks the <!-- app.css --> and <!-- app.js --> markers');
}
writeFileSync(join(OUT, 'index.html'), page);

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
