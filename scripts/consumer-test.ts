// Consumer tests: each package as a team outside this repository meets it. After `pnpm build`:
//
//   node --import tsx scripts/consumer-test.ts [core metrics …]   (default: every package)
//
// 1. `pnpm pack` the packages (pnpm, not npm: pnpm applies publishConfig and rewrites workspace:
//    ranges) into a temp folder, and lint each tarball: publint --strict (warnings fail too: each
//    names a file or condition that some consumer's tool resolves wrongly; suggestions, which are
//    about style, do not) and attw (node10, node16 from CJS and from ESM, bundler; any problem fails).
// 2. Serve the tarballs from a local registry (scripts/local-registry.ts); only the @obs scope goes
//    there, everything else comes from the normal registry, as for a user.
// 3. Per package, in a fresh project: run the README's install line as written, and fail on a
//    non-zero exit, ERESOLVE or a peer/override/conflict warning. npm keeps its own cache, which
//    every project (and every run) shares.
// 4. Paste the README's first example (scripts/consumer-readme.ts) into esm/, cjs/ and bundler/
//    subfolders; type-check our .d.ts strictly (skipLibCheck off) in each, run the esm and cjs
//    builds, make the README's checked requests, then SIGTERM and expect a clean exit: exit code
//    0 when the example handles SIGTERM itself, else 0 or death by SIGTERM (Node's default).
//
// Prints one line per package and step, then `consumer: N passed, N failed` (counting lines).
// The temp folder is removed when everything passed, nothing could be tested (a failed pack or
// registry) or the run was interrupted; it is kept (its path printed) when a test failed. Every
// process this starts gets its own process group; on SIGINT or SIGTERM, and on any exit, the
// groups still running are killed.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readConsumerSpec, type ConsumerCheck, type ConsumerSpec } from './consumer-readme';
import { startLocalRegistry, type LocalRegistry } from './local-registry';

const ROOT = resolve(__dirname, '..');
// Two cores: one package's npm or tsc keeps one busy.
const CONCURRENCY = 2;
// Every wait is bounded. Installs and type-checks get room for a cold cache and a slow CI
// machine; the program limits only guard against hangs.
const LIMIT_MS = {
  pack: 60_000,
  lint: 120_000,
  install: 300_000,
  tsc: 180_000,
  listen: 15_000,
  request: 10_000,
  // A span exporter's batch processor waits 5 s by default before it writes.
  output: 10_000,
  exit: 15_000,
};
// Shown under a failure line: enough to act on without scrolling through a whole npm log.
const DETAIL_LINES = 40;

interface Pkg {
  name: string;
  short: string;
  dir: string;
  manifest: Manifest;
}

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  exports?: unknown;
  publishConfig?: { exports?: unknown };
}

interface Line {
  pkg: string;
  step: string;
  ok: boolean;
  reason?: string;
}

interface Shared {
  tarballs: ReadonlyMap<string, string>;
  registryUrl: string;
  work: string;
  /** Installed beside each README's line: what any TypeScript project has, at our versions. */
  devTools: readonly string[];
}

// ── processes ────────────────────────────────────────────────────────────────────────────────

/** SIGKILL to a process group; one that has already ended is no error. */
export function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left in the group.
  }
}

/**
 * The process groups started and not yet seen to end. Every child is spawned detached, the leader
 * of its own group, so that stopping it also stops what it started (npm's scripts, a shell's
 * commands); the price is that a Ctrl-C at the terminal no longer reaches it, hence this list.
 */
export class ProcessGroups {
  private readonly pids = new Set<number>();

  /** Tracks a spawned child until its 'close': it exited, and nothing holds its stdio any more. */
  add(child: ChildProcess): void {
    const { pid } = child;
    if (pid === undefined) return; // it never started ('error' says why)
    this.pids.add(pid);
    child.once('close', () => this.pids.delete(pid));
  }

  get size(): number {
    return this.pids.size;
  }

  /** SIGKILL to every group still tracked; returns how many. */
  killAll(): number {
    const count = this.pids.size;
    for (const pid of this.pids) killGroup(pid);
    this.pids.clear();
    return count;
  }
}

/** Every process this run starts. */
const children = new ProcessGroups();

/** The exit code of a process a signal ended, as a shell reports it: 128 + its number (SIGINT 130). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}

/**
 * On SIGINT or SIGTERM: kills the tracked groups, runs `interrupted` (say, removes their folder)
 * and exits as the signal would have. On any other exit (a normal end, process.exit, an uncaught
 * exception) kills them too.
 */
export function killGroupsOnExit(groups: ProcessGroups, interrupted: () => void = () => {}): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      const count = groups.killAll();
      console.error(`consumer: ${signal}: killed ${count} process group(s)`);
      try {
        interrupted();
      } finally {
        process.exit(signalExitCode(signal));
      }
    });
  }
  process.on('exit', () => groups.killAll());
}

interface Finished {
  code: number | null;
  output: string;
}

/** Runs a command to its end, stdout and stderr interleaved; killed (and failed) past `timeoutMs`. */
function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number; shell?: boolean },
): Promise<Finished> {
  return new Promise((done, fail) => {
    // Its own process group, so a timeout also stops what npm or a shell started.
    const child = spawn(command, args, { ...options, detached: true, stdio: 'pipe' });
    children.add(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      killGroup(child.pid!);
      fail(
        new Error(`${[command, ...args].join(' ')}: no result after ${options.timeoutMs / 1000} s`),
      );
    }, options.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

function tail(output: string, lines = DETAIL_LINES): string {
  return output.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Throws with the command's own words when it did not succeed. */
function expectSuccess(what: string, result: Finished): void {
  if (result.code !== 0)
    throw new Error(`${what}: exit code ${result.code}\n${tail(result.output)}`);
}

const WORKSPACE_SCRIPT_VARIABLE =
  /^(npm_(package|lifecycle)_|npm_(command|execpath|node_execpath|config_user_agent)$|PNPM_|INIT_CWD$)/;

/**
 * A user's shell: without what `pnpm run` adds for workspace scripts (package and lifecycle
 * variables, the workspace's node_modules/.bin on PATH), which would leak our setup into theirs.
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!WORKSPACE_SCRIPT_VARIABLE.test(key)) env[key] = value;
  }
  env.PATH = (env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !resolve(dir).startsWith(ROOT))
    .join(delimiter);
  return { ...env, ...extra };
}

/**
 * npm as the README's reader runs it, minus the audit and funding chatter; loglevel `warn` so a
 * user's quieter setting cannot hide the warnings this test is about.
 */
function npmEnv(): NodeJS.ProcessEnv {
  return userEnv({
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_loglevel: 'warn',
  });
}

// ── packages and tarballs ────────────────────────────────────────────────────────────────────

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

function workspacePackages(): Pkg[] {
  const parent = join(ROOT, 'packages');
  return readdirSync(parent)
    .sort()
    .filter((short) => existsSync(join(parent, short, 'package.json')))
    .map((short) => ({
      short,
      dir: join(parent, short),
      manifest: readManifest(join(parent, short)),
    }))
    .filter(({ manifest }) => manifest.private !== true)
    .map((pkg) => ({ ...pkg, name: pkg.manifest.name }));
}

/** The packages asked for on the command line (`core` or `@obs/core`), or all of them. */
function selectPackages(all: readonly Pkg[], args: readonly string[]): Pkg[] {
  if (args.length === 0) return [...all];
  return args.map((arg) => {
    const pkg = all.find((p) => p.short === arg || p.name === arg);
    if (!pkg)
      throw new Error(`unknown package "${arg}" (have: ${all.map((p) => p.short).join(', ')})`);
    return pkg;
  });
}

/** The selected packages and every @obs package they depend on: what npm will ask the registry for. */
function withObsDependencies(selected: readonly Pkg[], all: readonly Pkg[]): Pkg[] {
  const needed = new Map(selected.map((pkg) => [pkg.name, pkg]));
  for (const pkg of needed.values()) {
    const { dependencies = {}, peerDependencies = {} } = pkg.manifest;
    for (const name of Object.keys({ ...dependencies, ...peerDependencies })) {
      const dep = all.find((p) => p.name === name);
      if (dep) needed.set(name, dep); // a Map iterates entries added while iterating
    }
  }
  return [...needed.values()];
}

/** Every file path in an exports map (`./dist/index.js`, …). */
function exportTargets(exportsMap: unknown): string[] {
  if (typeof exportsMap === 'string') return [exportsMap];
  if (typeof exportsMap !== 'object' || exportsMap === null) return [];
  return Object.values(exportsMap).flatMap(exportTargets);
}

/** Fails before packing anything when a build is missing: a tarball without dist/ proves nothing. */
function assertBuilt(packages: readonly Pkg[]): void {
  const missing = packages.flatMap((pkg) =>
    exportTargets(pkg.manifest.publishConfig?.exports ?? pkg.manifest.exports)
      .filter((file) => !existsSync(join(pkg.dir, file)))
      .map((file) => `packages/${pkg.short}/${file.replace(/^\.\//, '')}`),
  );
  if (missing.length > 0) {
    throw new Error(`not built (run \`pnpm build\` first): ${missing.join(', ')}`);
  }
}

/** `pnpm pack` names the file as npm does: `@obs/core@1.0.0` → `obs-core-1.0.0.tgz`. */
async function pack(pkg: Pkg, destination: string): Promise<string> {
  const result = await run('pnpm', ['pack', '--pack-destination', destination], {
    cwd: pkg.dir,
    env: userEnv(),
    timeoutMs: LIMIT_MS.pack,
  });
  expectSuccess(`pnpm pack ${pkg.name}`, result);
  const file = join(
    destination,
    `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.manifest.version}.tgz`,
  );
  if (!existsSync(file))
    throw new Error(`pnpm pack ${pkg.name}: no ${file}\n${tail(result.output)}`);
  return file;
}

async function publint(tarball: string): Promise<void> {
  const bin = join(ROOT, 'node_modules', '.bin', 'publint');
  const result = await run(bin, ['run', tarball, '--strict'], {
    cwd: ROOT,
    timeoutMs: LIMIT_MS.lint,
  });
  expectSuccess('publint --strict', result);
}

async function attw(tarball: string): Promise<void> {
  const bin = join(ROOT, 'node_modules', '.bin', 'attw');
  // The default "strict" profile covers node10, node16 (CJS and ESM) and bundler. Our tarballs
  // ship their own types, so no @types lookup on the network.
  const args = [tarball, '--no-definitely-typed', '--format', 'ascii', '--no-color', '--no-emoji'];
  expectSuccess('attw', await run(bin, args, { cwd: ROOT, timeoutMs: LIMIT_MS.lint }));
}

// ── the consumer project ─────────────────────────────────────────────────────────────────────

/** What in npm's output a user would have to act on: resolution errors and peer trouble. */
export function installProblems(output: string): string[] {
  return output
    .split('\n')
    .filter(
      (line) =>
        line.includes('ERESOLVE') ||
        (/^npm warn/i.test(line) && /peer|override|conflict/i.test(line)),
    );
}

/**
 * What a clean run must not print: core's internal-error reports (`[@obs] …`: a no-op tracer, an
 * exporter failing, a bad option clamped) and Node's process warnings (`(node:123) …Warning`).
 * Anything else on stderr is the program's own output, such as its error logs.
 */
export function stderrProblems(stderr: string): string[] {
  return stderr.split('\n').filter((line) => /^\[@obs\] |^\(node:\d+\) /.test(line));
}

async function installProject(pkg: Pkg, spec: ConsumerSpec, shared: Shared): Promise<string> {
  const project = join(shared.work, 'projects', pkg.short);
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: `consumer-${pkg.short}`, version: '1.0.0', private: true }, null, 2)}\n`,
  );
  writeFileSync(join(project, '.npmrc'), `@obs:registry=${shared.registryUrl}\n`);

  const install = await run(spec.install, [], {
    cwd: project,
    env: npmEnv(),
    timeoutMs: LIMIT_MS.install,
    shell: true,
  });
  expectSuccess(spec.install, install);
  const problems = installProblems(install.output);
  if (problems.length > 0) throw new Error(`${spec.install}: npm warned\n${problems.join('\n')}`);

  const tools = await run('npm', ['install', '--save-dev', ...shared.devTools], {
    cwd: project,
    env: npmEnv(),
    timeoutMs: LIMIT_MS.install,
  });
  expectSuccess(`npm install --save-dev ${shared.devTools.join(' ')}`, tools);
  return project;
}

type Mode = 'esm' | 'cjs' | 'bundler';
const MODES: readonly Mode[] = ['esm', 'cjs', 'bundler'];

/** How a project of each kind is set up; `type` is the subfolder's package.json "type". */
const MODE_SETUP: Record<Mode, { type?: string; compilerOptions: object }> = {
  esm: { type: 'module', compilerOptions: { module: 'nodenext' } },
  cjs: { type: 'commonjs', compilerOptions: { module: 'nodenext' } },
  bundler: { compilerOptions: { module: 'preserve', moduleResolution: 'bundler', noEmit: true } },
};

function writeModeFolder(project: string, mode: Mode, example: string): string {
  const dir = join(project, mode);
  mkdirSync(dir, { recursive: true });
  const { type, compilerOptions } = MODE_SETUP[mode];
  if (type) writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ type })}\n`);
  const tsconfig = {
    // skipLibCheck off: our .d.ts files are what is under test.
    compilerOptions: { strict: true, target: 'es2022', skipLibCheck: false, ...compilerOptions },
    files: ['main.ts'],
  };
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  writeFileSync(join(dir, 'main.ts'), example);
  return dir;
}

async function typecheck(project: string, dir: string): Promise<void> {
  const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = await run(process.execPath, [tsc, '-p', dir], {
    cwd: dir,
    timeoutMs: LIMIT_MS.tsc,
  });
  expectSuccess('tsc', result);
}

// ── the running example ──────────────────────────────────────────────────────────────────────

export interface Program {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

/** `node main.js` in `dir`, with PORT set; detached, so whatever it starts can be killed with it. */
export function startProgram(dir: string, port: number): Program {
  const child = spawn(process.execPath, ['main.js'], {
    cwd: dir,
    env: userEnv({ PORT: String(port) }),
    stdio: 'pipe',
    detached: true,
  });
  children.add(child);
  const program: Program = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((done) => child.once('exit', (code, signal) => done({ code, signal }))),
  };
  child.stdout.on('data', (chunk: Buffer) => (program.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (program.stderr += chunk.toString()));
  return program;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    const settle = (connected: boolean): void => {
      socket.destroy();
      done(connected);
    };
    socket.once('connect', () => settle(true));
    socket.once('error', () => settle(false));
    socket.setTimeout(1000, () => settle(false));
  });
}

/** Waits for the port to accept a connection (no request: the example's logs and metrics stay its own). */
async function waitUntilListening(program: Program, port: number): Promise<void> {
  const deadline = Date.now() + LIMIT_MS.listen;
  while (Date.now() < deadline) {
    if (program.child.exitCode !== null || program.child.signalCode !== null) {
      throw new Error(
        `exited before listening (${program.child.exitCode ?? program.child.signalCode})\n${tail(program.stderr || program.stdout)}`,
      );
    }
    if (await canConnect(port)) return;
    await sleep(100);
  }
  throw new Error(
    `not listening on PORT=${port} after ${LIMIT_MS.listen / 1000} s\n${tail(program.stderr)}`,
  );
}

async function eventually(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/**
 * Makes one checked request; what is wrong with the answer. `output` is looked for in what the
 * program wrote to stdout after the request was sent, so a line from its start or from an earlier
 * request cannot stand in for this request's log or span.
 */
export async function requestProblems(
  program: Pick<Program, 'stdout'>,
  port: number,
  check: ConsumerCheck,
  outputTimeoutMs = LIMIT_MS.output,
): Promise<string[]> {
  const [method, path] = check.request.split(' ') as [string, string];
  const outputFrom = program.stdout.length;
  const output = (): string => program.stdout.slice(outputFrom);
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: check.headers,
      body: check.body,
      signal: AbortSignal.timeout(LIMIT_MS.request),
    });
  } catch (err) {
    return [`no answer: ${(err as Error).message}`];
  }
  const body = await res.text();
  const problems: string[] = [];
  if (res.status !== check.status) problems.push(`status ${res.status}, expected ${check.status}`);
  for (const text of check.includes ?? []) {
    if (!body.includes(text)) problems.push(`body lacks ${JSON.stringify(text)}`);
  }
  for (const [name, value] of Object.entries(check.responseHeaders ?? {})) {
    const actual = res.headers.get(name);
    if (actual !== value)
      problems.push(`${name}: ${JSON.stringify(actual)}, expected ${JSON.stringify(value)}`);
  }
  for (const text of check.output ?? []) {
    // Loggers and span exporters write asynchronously; give them a moment.
    if (!(await eventually(() => output().includes(text), outputTimeoutMs))) {
      problems.push(`stdout lacks ${JSON.stringify(text)}`);
    }
  }
  if (problems.length > 0) problems.push(`body: ${body.slice(0, 300)}`);
  if (problems.some((p) => p.startsWith('stdout lacks'))) {
    problems.push(`stdout since the request:\n${tail(output(), 10)}`);
  }
  return problems;
}

/**
 * Whether an example shuts down on SIGTERM by itself: it names the signal (a handler, or a comment
 * saying what happens on it), says "graceful", or calls @obs/health's `createShutdown`.
 */
export function handlesSigterm(example: string): boolean {
  return /SIGTERM|graceful|createShutdown\(/i.test(example);
}

/**
 * A program that handles SIGTERM must exit 0 (a graceful shutdown that dies of the signal, or
 * exits 1, did not finish); one that does not may also die of it, Node's default.
 */
export function cleanExit(
  exit: { code: number | null; signal: NodeJS.Signals | null },
  graceful: boolean,
): boolean {
  return exit.code === 0 || (!graceful && exit.signal === 'SIGTERM');
}

/** SIGTERM, as an orchestrator stops it: it must exit by itself, cleanly (see `cleanExit`). */
export async function stop(program: Program, graceful: boolean): Promise<string | undefined> {
  program.child.kill('SIGTERM');
  // An unref'd timer: a program that did exit must not keep this one waiting for the bound.
  const timeout = sleep(LIMIT_MS.exit, undefined, { ref: false });
  const exit = await Promise.race([program.exited, timeout]);
  if (!exit) {
    killGroup(program.child.pid!);
    return `still running ${LIMIT_MS.exit / 1000} s after SIGTERM`;
  }
  if (!cleanExit(exit, graceful)) {
    const expected = graceful
      ? 'exit code 0: the example handles SIGTERM'
      : 'exit code 0 or SIGTERM';
    return `exited with ${exit.code ?? exit.signal} after SIGTERM, expected ${expected}\n${tail(program.stderr)}`;
  }
  return undefined;
}

/** Runs the built example, makes the README's requests, stops it; throws with what went wrong. */
async function exercise(dir: string, spec: ConsumerSpec): Promise<void> {
  const port = await freePort();
  const program = startProgram(dir, port);
  const problems: string[] = [];
  try {
    await waitUntilListening(program, port);
    for (const check of spec.checks) {
      const found = await requestProblems(program, port, check);
      if (found.length > 0) problems.push(`${check.request}: ${found.join('; ')}`);
    }
  } catch (err) {
    problems.push((err as Error).message);
  } finally {
    const stopped = await stop(program, handlesSigterm(spec.example));
    if (stopped) problems.push(stopped);
  }
  const reports = stderrProblems(program.stderr);
  if (reports.length > 0) problems.push(`reported on stderr:\n${reports.join('\n')}`);
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

async function runMode(project: string, mode: Mode, spec: ConsumerSpec): Promise<void> {
  const dir = writeModeFolder(project, mode, spec.example);
  await typecheck(project, dir);
  if (mode !== 'bundler') await exercise(dir, spec);
}

// ── reporting ────────────────────────────────────────────────────────────────────────────────

function report(line: Line): void {
  const [summary, ...details] = (line.reason ?? '').split('\n');
  const head = `${line.ok ? '✓' : '✗'} ${line.pkg} ${line.step}`;
  console.log(line.ok ? head : `${head}: ${summary}`);
  for (const detail of details.slice(0, DETAIL_LINES)) console.log(`    ${detail}`);
}

/** Runs one step and records its line; its value, or undefined when it failed. */
async function step<T>(
  lines: Line[],
  pkg: Pkg,
  name: string,
  fn: () => Promise<T> | T,
): Promise<T | undefined> {
  try {
    const value = await fn();
    lines.push({ pkg: pkg.name, step: name, ok: true });
    return value;
  } catch (err) {
    lines.push({ pkg: pkg.name, step: name, ok: false, reason: (err as Error).message });
    return undefined;
  }
}

async function testPackage(pkg: Pkg, shared: Shared): Promise<Line[]> {
  const lines: Line[] = [];
  const tarball = shared.tarballs.get(pkg.name)!;
  await step(lines, pkg, 'publint', () => publint(tarball));
  await step(lines, pkg, 'attw', () => attw(tarball));
  const spec = await step(lines, pkg, 'readme', () =>
    readConsumerSpec(readFileSync(join(pkg.dir, 'README.md'), 'utf8')),
  );
  const project =
    spec && (await step(lines, pkg, 'install', () => installProject(pkg, spec, shared)));
  for (const mode of MODES) {
    if (spec && project) await step(lines, pkg, mode, () => runMode(project, mode, spec));
    else await step(lines, pkg, mode, () => Promise.reject(new Error('not run: no project')));
  }
  return lines;
}

/**
 * `fn` over `items`, at most `limit` at a time. After a failure it starts no further item and
 * rejects once those already started have settled: nothing it began still runs when it returns
 * (so the caller's cleanup does not race a `pnpm pack` writing into the folder it removes).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const settled = await Promise.allSettled(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  return results;
}

function installedVersion(name: string): string {
  return readManifest(join(ROOT, 'node_modules', name)).version;
}

/** Removes a folder and what is in it; retries while a just-killed process still lets go of it. */
function removeFolder(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * Runs `fn`, then removes `dir`, always, unless `fn` returned a result that `keep` wants kept: a
 * throw (say a pack or the registry failed, before any test ran) removes it too.
 */
export async function removedUnlessKept<T>(
  dir: string,
  fn: () => Promise<T>,
  keep: (result: T) => boolean,
): Promise<T> {
  let kept = false;
  try {
    const result = await fn();
    kept = keep(result);
    return result;
  } finally {
    if (!kept) removeFolder(dir);
  }
}

/** Packs, serves and tests the packages in `work`; the registry is down and no child runs after. */
async function testInFolder(
  work: string,
  selected: readonly Pkg[],
  needed: readonly Pkg[],
): Promise<Line[]> {
  let registry: LocalRegistry | undefined;
  try {
    const tarballDir = join(work, 'tarballs');
    mkdirSync(tarballDir);
    const packed = await mapLimit(
      needed,
      CONCURRENCY,
      async (pkg) => [pkg.name, await pack(pkg, tarballDir)] as const,
    );
    const tarballs = new Map(packed);
    registry = await startLocalRegistry([...tarballs.values()]);
    const shared: Shared = {
      tarballs,
      registryUrl: registry.url,
      work,
      devTools: [
        `typescript@${installedVersion('typescript')}`,
        `@types/node@${installedVersion('@types/node')}`,
      ],
    };
    // A package's lines print together when it is done, not interleaved with its neighbour's.
    const perPackage = await mapLimit(selected, CONCURRENCY, async (pkg) => {
      const done = await testPackage(pkg, shared);
      done.forEach(report);
      return done;
    });
    return perPackage.flat();
  } finally {
    children.killAll();
    await registry?.close();
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  const all = workspacePackages();
  const selected = selectPackages(all, process.argv.slice(2));
  const needed = withObsDependencies(selected, all);
  assertBuilt(needed);

  const work = mkdtempSync(join(tmpdir(), 'obs-consumer-'));
  // An interrupted run leaves nothing: its projects are half made, and its children are killed.
  killGroupsOnExit(children, () => removeFolder(work));
  const lines = await removedUnlessKept(
    work,
    () => testInFolder(work, selected, needed),
    // Failed tests keep their projects for inspection.
    (result) => result.some((line) => !line.ok),
  );

  const failed = lines.filter((line) => !line.ok).length;
  if (failed > 0) console.log(`projects kept for inspection in ${work}`);
  console.log(`took ${Math.round((Date.now() - started) / 1000)} s`);
  console.log(`consumer: ${lines.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(`consumer: ${(err as Error).message}`);
      process.exitCode = 1;
    },
  );
}
