// Creates packages/<name> from the house template, so every package is put together the same way:
//   pnpm new-package logging --hono "Structured, request-aware logging on winston."
// then `pnpm install`, write src/ with tests beside the code, and add a changeset.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { publishedExports } from './check-packages';

const REPOSITORY = 'https://github.com/obs-dev/obs';

export interface NewPackageOptions {
  name: string;
  description: string;
  hono: boolean;
}

function entry(source: string, out: string) {
  return {
    '@obs/source': source,
    import: { types: `./dist/${out}.d.ts`, default: `./dist/${out}.js` },
    require: { types: `./dist/${out}.d.cts`, default: `./dist/${out}.cjs` },
  };
}

/** The files of a new package, by path relative to the package folder. */
export function packageFiles({
  name,
  description,
  hono,
}: NewPackageOptions): Record<string, string> {
  const full = `@obs/${name}`;
  const exportsMap = {
    '.': entry('./src/index.ts', 'index'),
    ...(hono ? { './hono': entry('./src/hono/index.ts', 'hono') } : {}),
    './package.json': './package.json',
  };
  const pkg = {
    name: full,
    version: '0.0.0',
    description,
    license: 'MIT',
    type: 'module',
    sideEffects: false,
    exports: exportsMap,
    main: './dist/index.cjs',
    module: './dist/index.js',
    types: './dist/index.d.cts',
    files: ['dist'],
    engines: { node: '>=22.12' },
    scripts: {
      build: 'tsup --config ../../tsup.config.ts',
      typecheck: 'tsc --noEmit',
      lint: 'eslint .',
      test: 'jest',
      bench: 'node --import tsx --conditions=@obs/source ../../scripts/bench.ts',
      'check:dist': 'node --import tsx ../../scripts/check-dist.ts',
    },
    peerDependencies: { '@obs/core': 'workspace:^', ...(hono ? { hono: '^4.6.0' } : {}) },
    ...(hono ? { peerDependenciesMeta: { hono: { optional: true } } } : {}),
    devDependencies: { '@obs/core': 'workspace:*', ...(hono ? { hono: '^4.13.0' } : {}) },
    repository: { type: 'git', url: `git+${REPOSITORY}.git`, directory: `packages/${name}` },
    homepage: `${REPOSITORY}/tree/main/packages/${name}#readme`,
    bugs: { url: `${REPOSITORY}/issues` },
    ...(hono ? { typesVersions: { '*': { hono: ['./dist/hono.d.cts'] } } } : {}),
    publishConfig: { exports: publishedExports(exportsMap) },
  };
  const files: Record<string, string> = {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'tsconfig.json':
      '{\n  "extends": "../../tsconfig.base.json",\n  "include": ["src", "bench"]\n}\n',
    'jest.config.cjs': "module.exports = require('../../jest.preset.cjs');\n",
    LICENSE: readFileSync(join(__dirname, '..', 'LICENSE'), 'utf8'),
    'src/index.ts': 'export {};\n',
    'README.md': [
      `# ${full}`,
      '',
      description,
      '',
      '## Install',
      '',
      '```sh',
      `npm install ${full} @obs/core${hono ? ' hono @hono/node-server' : ''}`,
      '```',
      '',
      '## Usage',
      '',
      '## Options',
      '',
    ].join('\n'),
  };
  if (hono) files['src/hono/index.ts'] = 'export {};\n';
  return files;
}

export function createPackage(root: string, options: NewPackageOptions): string {
  if (!/^[a-z][a-z0-9-]*$/.test(options.name)) {
    throw new Error(`package name "${options.name}" must be kebab-case`);
  }
  const dir = join(root, 'packages', options.name);
  if (existsSync(dir)) throw new Error(`${dir} already exists`);
  for (const [path, text] of Object.entries(packageFiles(options))) {
    const file = join(dir, path);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
  }
  return dir;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const hono = args.includes('--hono');
  const [name, description = 'TODO: one sentence for users.'] = args.filter((a) => a !== '--hono');
  if (!name) {
    console.error('usage: pnpm new-package <name> [--hono] ["description"]');
    process.exitCode = 1;
  } else {
    const dir = createPackage(process.cwd(), { name, description, hono });
    console.log(`created ${dir}: now pnpm install, write src/ and tests, and pnpm changeset`);
  }
}
