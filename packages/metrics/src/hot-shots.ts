import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';
import { getCallSites } from 'node:util';
import { ObsConfigError, ObsError } from '@obs/core';
// Types only, erased from both builds; no exported type mentions them, so the published .d.ts
// does not need hot-shots either.
import type { ClientOptions, StatsD } from 'hot-shots';

type StatsdClass = new (options: ClientOptions) => StatsD;

// This module's own file, in both builds and without import.meta: a peer dependency resolves from
// here (pnpm links it beside us), not from the app's working directory, which may be anywhere.
function ownFile(): string {
  const file = getCallSites(1, { sourceMap: false })[0]?.scriptName ?? '';
  // Code evaluated without a file (eval, vm) has nothing better than the working directory.
  return file.startsWith('file:') || isAbsolute(file) ? file : join(process.cwd(), 'index.js');
}

/**
 * Absent, as opposed to present and broken: Node's "not found" has no field naming what was
 * missing (a bare `hot-shots`, a `main` file inside it, a dependency of it), so look for the
 * package where the require would have.
 */
function notInstalled(load: NodeJS.Require, err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return false;
  const dirs = load.resolve.paths('hot-shots') ?? [];
  return !dirs.some((dir) => existsSync(join(dir, 'hot-shots', 'package.json')));
}

/**
 * hot-shots' client class, loaded when a StatsD backend is configured and not before: it is an
 * optional peer dependency (its native unix-dgram needs a compiler), so apps without StatsD
 * neither install nor load it. Synchronous, so `createMetrics()` can throw the config error.
 *
 * @param from - the file to resolve from. @default this module's file
 * @throws ObsConfigError naming `backend.type` when hot-shots is not installed.
 * @throws ObsError (`INTERNAL`) with the loader's error as `cause` when hot-shots is installed but
 * fails to load (a missing file or dependency, a broken build): not reported as absent.
 */
export function loadHotShots(from: string = ownFile()): StatsdClass {
  const load = createRequire(from);
  try {
    return load('hot-shots') as StatsdClass;
  } catch (err) {
    if (notInstalled(load, err)) {
      throw new ObsConfigError(
        'backend.type',
        '"statsd" needs the hot-shots package, which is not installed: npm install hot-shots',
        { cause: err },
      );
    }
    const reason = err instanceof Error ? err.message : String(err);
    throw new ObsError('INTERNAL', `hot-shots is installed but failed to load: ${reason}`, {
      cause: err,
    });
  }
}
