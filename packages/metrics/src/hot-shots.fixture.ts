// Spawned by hot-shots.test.ts in an empty working directory, because only a real Node process
// resolves packages as an app's would (jest's resolver also searches NODE_PATH and its module
// map). Prints, as JSON, when hot-shots gets loaded, what loading it throws where it is absent,
// and what it throws from each app directory named in argv (broken installs the test laid out).
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { loadHotShots } from './hot-shots';
import { createMetrics } from './index';

const app = join(process.cwd(), 'index.js');
// Every CommonJS module Node has loaded: hot-shots is among them once anything required it.
const cache = createRequire(app).cache;
const loaded = (): boolean => Object.keys(cache).some((f) => f.includes(`${sep}hot-shots${sep}`));

const quiet = { collectDefaultMetrics: false } as const;
await createMetrics(quiet).shutdown();
await createMetrics({ ...quiet, backend: { type: 'console', write: () => undefined } }).shutdown();
const withoutStatsd = loaded();

function thrown(from: string): unknown {
  try {
    loadHotShots(from);
    return undefined;
  } catch (err) {
    const { name, code, option, message, cause } = err as Record<string, unknown>;
    const { code: causeCode, message: causeMessage } = (cause ?? {}) as Record<string, unknown>;
    return { name, code, option, message, causeCode, causeMessage };
  }
}

// Resolved from the app's directory, which has no hot-shots.
const absent = thrown(app);
const broken = Object.fromEntries(
  process.argv.slice(2).map((dir) => [dir, thrown(join(process.cwd(), dir, 'index.js'))]),
);

// Resolved from this package's own directory, whatever the working directory.
await createMetrics({ ...quiet, backend: { type: 'statsd', port: 9 } }).shutdown();
const withStatsd = loaded();

process.stdout.write(JSON.stringify({ withoutStatsd, absent, broken, withStatsd }));
