// One build for every package: the entries are the `@obs/source` targets of the package's own
// `exports` map, so the map is the single place a subpath is declared.
import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

interface ExportEntry {
  '@obs/source'?: string;
}

function entriesFromExports(): Record<string, string> {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
    name: string;
    exports?: Record<string, ExportEntry>;
  };
  const entries: Record<string, string> = {};
  for (const [subpath, entry] of Object.entries(pkg.exports ?? {})) {
    const source = entry['@obs/source'];
    if (!source) continue;
    entries[subpath === '.' ? 'index' : subpath.slice(2)] = source;
  }
  if (Object.keys(entries).length === 0) {
    throw new Error(`${pkg.name}: no "@obs/source" entries in package.json exports`);
  }
  return entries;
}

export default defineConfig({
  entry: entriesFromExports(),
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  // No source maps: src/ is not published, and a map would name files users do not have.
  sourcemap: false,
  platform: 'node',
  target: 'node22',
  splitting: true,
  treeshake: true,
});
