import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { checkWorkspace, importsOf, publishedExports } from './check-packages';

let root: string;

function write(path: string, content: unknown): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, typeof content === 'string' ? content : JSON.stringify(content));
}

function entry(source: string, out: string) {
  return {
    '@obs/source': source,
    import: { types: `./dist/${out}.d.ts`, default: `./dist/${out}.js` },
    require: { types: `./dist/${out}.d.cts`, default: `./dist/${out}.cjs` },
  };
}

/** A package ready to publish unless `json` says otherwise. */
function pkg(dir: string, json: Record<string, unknown>, files: Record<string, string> = {}): void {
  const exportsMap = (json.exports as Record<string, unknown> | undefined) ?? {
    '.': entry('./src/index.ts', 'index'),
  };
  const subpaths = Object.keys(exportsMap).filter((s) => s !== '.' && s !== './package.json');
  write(`packages/${dir}/package.json`, {
    exports: exportsMap,
    publishConfig: { exports: publishedExports(exportsMap) },
    typesVersions: {
      '*': Object.fromEntries(
        subpaths.map((s) => [s.slice(2), [(exportsMap[s] as Partial<EntryShape>).require?.types]]),
      ),
    },
    repository: {
      type: 'git',
      url: 'git+https://example.test/obs.git',
      directory: `packages/${dir}`,
    },
    homepage: 'https://example.test/obs',
    bugs: { url: 'https://example.test/obs/issues' },
    ...json,
  });
  write(`packages/${dir}/LICENSE`, 'MIT\n');
  write(`packages/${dir}/src/index.ts`, 'export {};\n');
  for (const [path, text] of Object.entries(files)) write(`packages/${dir}/${path}`, text);
}

type EntryShape = ReturnType<typeof entry>;

const corePeer = { peerDependencies: { '@obs/core': '*' } };

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'obs-check-'));
  pkg('core', { name: '@obs/core' });
  pkg('metrics', { name: '@obs/metrics', ...corePeer });
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('checkWorkspace', () => {
  it('passes a workspace that keeps the rules', () => {
    pkg(
      'logging',
      { name: '@obs/logging', ...corePeer },
      {
        'src/index.ts': "import { getContext } from '@obs/core';\nexport const x = getContext;\n",
      },
    );
    expect(checkWorkspace(root)).toEqual([]);
  });

  it('fails a package that lists @obs/core in dependencies', () => {
    pkg('logging', { name: '@obs/logging', dependencies: { '@obs/core': 'workspace:*' } });
    expect(checkWorkspace(root)).toEqual([
      'packages/logging: lists @obs/core in dependencies; make it a peerDependency',
    ]);
  });

  it('fails a leaf package that lists another leaf package', () => {
    pkg('alerts', {
      name: '@obs/alerts',
      ...corePeer,
      dependencies: { '@obs/metrics': 'workspace:*' },
    });
    expect(checkWorkspace(root)).toEqual([
      'packages/alerts: lists the leaf package @obs/metrics; leaf packages depend only on @obs/core',
    ]);
  });

  it('fails a leaf package that imports a sibling leaf package, in any import form', () => {
    pkg(
      'alerts',
      { name: '@obs/alerts', ...corePeer },
      {
        'src/a.ts': "import type { Metrics } from '@obs/metrics';\n",
        'src/b.ts': "const m = require('@obs/metrics/hono');\n",
        'src/c.ts': "const m = await import('@obs/metrics');\n",
      },
    );
    expect(checkWorkspace(root)).toEqual([
      'packages/alerts/src/a.ts: imports the sibling leaf package @obs/metrics; pass an interface or a callback instead',
      'packages/alerts/src/b.ts: imports the sibling leaf package @obs/metrics; pass an interface or a callback instead',
      'packages/alerts/src/b.ts: imports @obs/metrics/hono outside src/hono; the main entry must not need hono',
      'packages/alerts/src/c.ts: imports the sibling leaf package @obs/metrics; pass an interface or a callback instead',
    ]);
  });

  it('lets the kit assembly depend on and import leaf packages', () => {
    pkg(
      'kit',
      { name: '@obs/kit', ...corePeer, dependencies: { '@obs/metrics': 'workspace:*' } },
      {
        'src/index.ts': "export { createMetrics } from '@obs/metrics';\n",
      },
    );
    expect(checkWorkspace(root)).toEqual([]);
  });

  it('fails a package, core or leaf, that depends on or imports the kit assembly', () => {
    pkg('kit', { name: '@obs/kit', ...corePeer, dependencies: { '@obs/metrics': 'workspace:*' } });
    pkg(
      'health',
      { name: '@obs/health', ...corePeer, devDependencies: { '@obs/kit': 'workspace:*' } },
      { 'src/index.test.ts': "import { observe } from '@obs/kit/hono';\n" },
    );
    pkg('core', { name: '@obs/core', dependencies: { '@obs/kit': 'workspace:*' } });
    expect(checkWorkspace(root)).toEqual([
      'packages/core: lists the assembly @obs/kit; only apps and examples depend on it',
      'packages/health: lists the assembly @obs/kit; only apps and examples depend on it',
      'packages/health/src/index.test.ts: imports the assembly @obs/kit; only apps and examples build on it',
    ]);
  });

  it('fails a package that imports @obs/core without the peer dependency', () => {
    pkg('health', { name: '@obs/health' }, { 'src/index.ts': "import '@obs/core';\n" });
    expect(checkWorkspace(root)).toEqual([
      'packages/health/src/index.ts: imports @obs/core, which packages/health/package.json must list in peerDependencies',
    ]);
  });

  it('fails a main entry that imports hono, and a hono folder without its export and optional peer', () => {
    pkg(
      'health',
      { name: '@obs/health', ...corePeer },
      {
        'src/index.ts': "import { Hono } from 'hono';\n",
        'src/hono/index.ts': "import type { MiddlewareHandler } from 'hono';\n",
      },
    );
    expect(checkWorkspace(root)).toEqual([
      'packages/health/src/index.ts: imports hono outside src/hono; the main entry must not need hono',
      'packages/health: has src/hono but no "./hono" export',
      'packages/health: has src/hono, so hono must be an optional peerDependency',
    ]);
  });

  it('fails a package that reaches into another package through a relative path', () => {
    pkg('kit', { name: '@obs/kit', ...corePeer, dependencies: { '@obs/metrics': 'workspace:*' } });
    pkg(
      'alerts',
      { name: '@obs/alerts', ...corePeer },
      {
        'src/a.ts': "import { observe } from '../../kit/src/hono/index';\n",
        'src/b.test.ts': "import { createMetrics } from '../../metrics/src';\n",
      },
    );
    expect(checkWorkspace(root)).toEqual([
      'packages/alerts/src/a.ts: imports ../../kit/src/hono/index, outside packages/alerts; import a package by its name, never by a relative path',
      'packages/alerts/src/b.test.ts: imports ../../metrics/src, outside packages/alerts; import a package by its name, never by a relative path',
    ]);
  });

  it("lets tests, fixtures and benchmarks, but not shipped code, use the repo's scripts/ helpers", () => {
    const helper = "import { startRedis } from '../../../scripts/real-servers';\n";
    pkg(
      'health',
      { name: '@obs/health', ...corePeer },
      {
        'src/checks.test.ts': helper,
        'src/ingest.fixture.ts': helper,
        'bench/checks.bench.ts': "import { wrkInstalled } from '../../../scripts/bench-wrk';\n",
        'src/checks.ts': helper,
      },
    );
    expect(checkWorkspace(root)).toEqual([
      'packages/health/src/checks.ts: imports ../../../scripts/real-servers, outside packages/health; import a package by its name, never by a relative path',
    ]);
  });

  it('checks every TypeScript file of a package, not only src/, but installed and built ones', () => {
    pkg('kit', { name: '@obs/kit', ...corePeer, dependencies: { '@obs/metrics': 'workspace:*' } });
    pkg(
      'logging',
      { name: '@obs/logging', ...corePeer },
      {
        'bench/kit.bench.ts': "import { observe } from '@obs/kit/hono';\n",
        'bench/metrics.bench.ts': "import { createMetrics } from '@obs/metrics';\n",
        'node_modules/@obs/kit/index.ts': "export * from '@obs/metrics';\n",
        'dist/index.d.ts': "export * from '@obs/metrics';\n",
      },
    );
    expect(checkWorkspace(root)).toEqual([
      'packages/logging/bench/kit.bench.ts: imports the assembly @obs/kit; only apps and examples build on it',
      'packages/logging/bench/metrics.bench.ts: imports the sibling leaf package @obs/metrics; pass an interface or a callback instead',
    ]);
  });

  it('fails a leaf that re-exports a sibling leaf package', () => {
    pkg(
      'alerts',
      { name: '@obs/alerts', ...corePeer },
      {
        'src/index.ts': "export * from '@obs/metrics';\nexport * as m from '@obs/metrics/hono';\n",
      },
    );
    expect(checkWorkspace(root)).toEqual([
      'packages/alerts/src/index.ts: imports the sibling leaf package @obs/metrics; pass an interface or a callback instead',
      'packages/alerts/src/index.ts: imports @obs/metrics/hono outside src/hono; the main entry must not need hono',
    ]);
  });

  it("fails a kit main-entry file that imports a package's ./hono subpath, which brings hono in", () => {
    pkg(
      'kit',
      {
        name: '@obs/kit',
        ...corePeer,
        dependencies: { '@obs/metrics': 'workspace:*' },
        exports: {
          '.': entry('./src/index.ts', 'index'),
          './hono': entry('./src/hono/index.ts', 'hono'),
        },
        peerDependencies: { '@obs/core': '*', hono: '*' },
        peerDependenciesMeta: { hono: { optional: true } },
      },
      {
        'src/index.ts': "export { httpMetrics } from '@obs/metrics/hono';\n",
        'src/hono/index.ts': "export { httpMetrics } from '@obs/metrics/hono';\n",
        'src/index.test.ts': "import { obsContext } from '@obs/core/hono';\n",
      },
    );
    expect(checkWorkspace(root)).toEqual([
      'packages/kit/src/index.ts: imports @obs/metrics/hono outside src/hono; the main entry must not need hono',
    ]);
  });

  it('fails exports entries without the source condition first or without types', () => {
    pkg('tracing', {
      name: '@obs/tracing',
      private: true, // only the exports map is under test here
      exports: {
        '.': { import: './dist/index.js', '@obs/source': './src/index.ts' },
        './hono': { '@obs/source': './src/missing.ts', import: { default: './dist/hono.js' } },
      },
    });
    expect(checkWorkspace(root)).toEqual([
      'packages/tracing: exports["."] must list "@obs/source" first',
      'packages/tracing: exports["./hono"]["@obs/source"] points at a missing file',
      'packages/tracing: exports["./hono"].import must be { types, default }',
      'packages/tracing: exports["./hono"].require must be { types, default }',
    ]);
  });

  it('holds for this repository', () => {
    expect(checkWorkspace(join(__dirname, '..'))).toEqual([]);
  });
});

describe('importsOf', () => {
  it('finds static, type-only, side-effect, dynamic and require imports', () => {
    const text = [
      "import a from 'a';",
      "import type { B } from '@s/b';",
      "import 'side-effect';",
      "export { c } from './c';",
      "const d = await import('d');",
      "const e = require('e');",
    ].join('\n');
    expect(importsOf(text)).toEqual(['a', '@s/b', 'side-effect', './c', 'd', 'e']);
  });
});

describe('checkWorkspace: what is published', () => {
  it('fails a package whose published exports keep the workspace-only source condition', () => {
    pkg('logging', {
      name: '@obs/logging',
      ...corePeer,
      publishConfig: { exports: { '.': entry('./src/index.ts', 'index') } },
    });
    const [problem] = checkWorkspace(root);
    expect(problem).toMatch(
      /^packages\/logging: publishConfig.exports must be exports without "@obs\/source"/,
    );
  });

  it('fails a subpath that TypeScript node10 resolution cannot find', () => {
    pkg('logging', {
      name: '@obs/logging',
      ...corePeer,
      exports: { '.': entry('./src/index.ts', 'index'), './hono': entry('./src/index.ts', 'hono') },
      typesVersions: {},
    });
    expect(checkWorkspace(root)).toEqual([
      'packages/logging: typesVersions["*"]["hono"] must be ["./dist/hono.d.cts"] (node10 resolution)',
    ]);
  });

  it('fails a package without a LICENSE or a repository', () => {
    pkg('logging', { name: '@obs/logging', ...corePeer, repository: undefined });
    rmSync(join(root, 'packages/logging/LICENSE'));
    expect(checkWorkspace(root)).toEqual([
      'packages/logging: has no LICENSE file',
      'packages/logging: needs repository (with directory "packages/logging"), homepage and bugs',
    ]);
  });

  it('does not ask a private package to be publishable', () => {
    pkg('logging', { name: '@obs/logging', ...corePeer, private: true, publishConfig: undefined });
    rmSync(join(root, 'packages/logging/LICENSE'));
    expect(checkWorkspace(root)).toEqual([]);
  });
});
