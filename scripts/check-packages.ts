// House rules that no compiler checks (DESIGN.md, "Rules of the house"):
// - @obs/core is a peer dependency, never a regular one;
// - a leaf package (every package but core and the kit assembly) depends on and imports no other
//   @obs package but core: where two signals meet, pass an interface or a callback;
// - the assembly (@obs/kit) may depend on and import the leaves, and no package depends on or
//   imports it: only apps and examples build on an assembly;
// - the main entry never imports hono, directly or through another package's ./hono subpath;
//   middleware lives behind the ./hono subpath, with hono as an optional peer;
// - a package reaches outside its folder only by package name (which the rules above then see),
//   never by a relative path; files that never ship (tests, fixtures, benchmarks) may use the
//   repo's shared helpers in scripts/;
// - these rules hold for every TypeScript file of a package (src/, bench/, …), not only src/;
// - every exports entry resolves to sources through "@obs/source" first, then import/require with
//   types first, so tests and type-checks need no build and consumers get ESM, CJS and .d.ts;
// - what is published carries no workspace: `publishConfig.exports` (which pnpm pack puts in the
//   tarball) is `exports` without "@obs/source", every subpath has `typesVersions` for TypeScript's
//   node10 resolution, and each package ships a LICENSE and says where its repository is.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ASSEMBLIES = new Set(['@obs/kit']);
const CORE = '@obs/core';

interface PackageJson {
  name?: string;
  private?: boolean;
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  publishConfig?: { exports?: unknown };
  typesVersions?: Record<string, Record<string, string[]>>;
  repository?: { directory?: string };
  homepage?: string;
  bugs?: unknown;
}

interface WorkspacePackage {
  dir: string;
  json: PackageJson;
}

function readPackages(root: string, folder: string): WorkspacePackage[] {
  const base = join(root, folder);
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .map((name) => join(base, name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({
      dir,
      json: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson,
    }));
}

const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage']);

/** Every TypeScript file of a package, wherever it lives, but installed or built ones. */
function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      return SKIPPED_DIRS.has(name) || name.startsWith('.') ? [] : sourceFiles(path);
    }
    return /\.(ts|tsx|mts|cts)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function isInside(dir: string, path: string): boolean {
  return path === dir || path.startsWith(dir + sep);
}

/** Tests and fixtures, which the build never bundles. */
const TEST_FILE = /\.(test|fixture)\.(ts|tsx|mts|cts)$/;
/** `@obs/metrics/hono`, `@obs/core/hono/…`: a package's Hono side. */
const HONO_SUBPATH = /^@obs\/[^/]+\/hono(\/|$)/;

const IMPORT_RE = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

export function importsOf(text: string): string[] {
  return [...text.matchAll(IMPORT_RE)].map((m) => m[1]!);
}

/** `@obs/logging/hono` → `@obs/logging`; `hono/conninfo` → `hono`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function checkExports(pkg: WorkspacePackage, where: string, problems: string[]): void {
  const exportsMap = pkg.json.exports;
  if (!exportsMap || typeof exportsMap !== 'object') {
    problems.push(`${where}: package.json has no "exports" map`);
    return;
  }
  for (const [subpath, entry] of Object.entries(exportsMap)) {
    if (subpath === './package.json') continue;
    const e = entry as Record<string, unknown>;
    if (typeof e !== 'object' || Object.keys(e)[0] !== '@obs/source') {
      problems.push(`${where}: exports["${subpath}"] must list "@obs/source" first`);
      continue;
    }
    const source = e['@obs/source'];
    if (typeof source !== 'string' || !existsSync(join(pkg.dir, source))) {
      problems.push(`${where}: exports["${subpath}"]["@obs/source"] points at a missing file`);
    }
    for (const kind of ['import', 'require']) {
      const target = e[kind] as Record<string, unknown> | undefined;
      if (!target || Object.keys(target)[0] !== 'types' || typeof target.default !== 'string') {
        problems.push(`${where}: exports["${subpath}"].${kind} must be { types, default }`);
      }
    }
  }
}

/** The exports map a consumer sees: every entry without the workspace-only source condition. */
export function publishedExports(exportsMap: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(exportsMap).map(([subpath, entry]) => {
      if (typeof entry !== 'object' || entry === null) return [subpath, entry];
      const { '@obs/source': _source, ...rest } = entry as Record<string, unknown>;
      return [subpath, rest];
    }),
  );
}

function checkPublishing(pkg: WorkspacePackage, where: string, problems: string[]): void {
  const { json } = pkg;
  const exportsMap = json.exports ?? {};
  const published = JSON.stringify(publishedExports(exportsMap));
  if (JSON.stringify(json.publishConfig?.exports) !== published) {
    problems.push(
      `${where}: publishConfig.exports must be exports without "@obs/source": ${published}`,
    );
  }
  for (const [subpath, entry] of Object.entries(exportsMap)) {
    if (subpath === '.' || subpath === './package.json') continue;
    const types = (entry as { require?: { types?: string } }).require?.types;
    const mapped = json.typesVersions?.['*']?.[subpath.slice(2)];
    if (!types || JSON.stringify(mapped) !== JSON.stringify([types])) {
      problems.push(
        `${where}: typesVersions["*"]["${subpath.slice(2)}"] must be ["${types}"] (node10 resolution)`,
      );
    }
  }
  if (!existsSync(join(pkg.dir, 'LICENSE'))) problems.push(`${where}: has no LICENSE file`);
  if (json.repository?.directory !== where.split(sep).join('/') || !json.homepage || !json.bugs) {
    problems.push(`${where}: needs repository (with directory "${where}"), homepage and bugs`);
  }
}

/** Every broken rule in the workspace at `root`, as one sentence each; empty when all hold. */
export function checkWorkspace(root: string): string[] {
  const problems: string[] = [];
  const libraries = readPackages(root, 'packages');
  const names = new Set(libraries.map((p) => p.json.name));

  for (const pkg of libraries) {
    const name = pkg.json.name ?? '(unnamed)';
    const where = relative(root, pkg.dir);
    const isLeaf = name !== CORE && !ASSEMBLIES.has(name);
    const deps = pkg.json.dependencies ?? {};
    const peers = pkg.json.peerDependencies ?? {};
    const devDeps = Object.keys(pkg.json.devDependencies ?? {});

    if (deps[CORE])
      problems.push(`${where}: lists ${CORE} in dependencies; make it a peerDependency`);
    for (const dep of [...Object.keys(deps), ...Object.keys(peers), ...devDeps]) {
      if (ASSEMBLIES.has(dep) && dep !== name) {
        problems.push(`${where}: lists the assembly ${dep}; only apps and examples depend on it`);
      }
    }
    if (isLeaf) {
      for (const dep of [...Object.keys(deps), ...Object.keys(peers)]) {
        if (dep.startsWith('@obs/') && dep !== CORE && !ASSEMBLIES.has(dep)) {
          problems.push(
            `${where}: lists the leaf package ${dep}; leaf packages depend only on ${CORE}`,
          );
        }
      }
    }

    checkExports(pkg, where, problems);
    if (!pkg.json.private) checkPublishing(pkg, where, problems);

    const srcDir = join(pkg.dir, 'src');
    const honoDir = join(srcDir, 'hono');
    const scriptsDir = join(root, 'scripts');
    for (const file of sourceFiles(pkg.dir)) {
      const at = relative(root, file);
      // What ends up in the published main entry: src/ outside src/hono, but tests and fixtures.
      const ships = isInside(srcDir, file) && !TEST_FILE.test(file);
      for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier);
          if (!isInside(pkg.dir, target) && (ships || !isInside(scriptsDir, target))) {
            problems.push(
              `${at}: imports ${specifier}, outside ${where}; import a package by its name, never by a relative path`,
            );
          }
          continue;
        }
        const target = packageOf(specifier);
        if (ASSEMBLIES.has(target) && target !== name) {
          problems.push(
            `${at}: imports the assembly ${target}; only apps and examples build on it`,
          );
        } else if (
          isLeaf &&
          target.startsWith('@obs/') &&
          target !== CORE &&
          target !== name &&
          names.has(target)
        ) {
          problems.push(
            `${at}: imports the sibling leaf package ${target}; pass an interface or a callback instead`,
          );
        }
        if (target === CORE && name !== CORE && !peers[CORE]) {
          problems.push(
            `${at}: imports ${CORE}, which ${where}/package.json must list in peerDependencies`,
          );
        }
        const needsHono =
          target === 'hono' || target.startsWith('@hono/') || HONO_SUBPATH.test(specifier);
        if (needsHono && ships && !isInside(honoDir, file)) {
          problems.push(
            `${at}: imports ${specifier} outside src/hono; the main entry must not need hono`,
          );
        }
      }
    }

    if (existsSync(honoDir)) {
      if (!pkg.json.exports?.['./hono'])
        problems.push(`${where}: has src/hono but no "./hono" export`);
      if (!peers.hono || !pkg.json.peerDependenciesMeta?.hono?.optional) {
        problems.push(`${where}: has src/hono, so hono must be an optional peerDependency`);
      }
    }
  }
  return [...new Set(problems)];
}

if (require.main === module) {
  const problems = checkWorkspace(process.cwd());
  for (const p of problems) console.error(`✗ ${p}`);
  if (problems.length > 0) {
    console.error(`\n${problems.length} package rule(s) broken (see scripts/check-packages.ts).`);
    process.exitCode = 1;
  } else {
    console.log('package rules: all hold');
  }
}
