import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';
import { getCallSites } from 'node:util';
import { ObsConfigError } from '@obs/core';
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
 * hot-shots' client class, loaded when a StatsD backend is configured and not before: it is an
 * optional peer dependency (its native unix-dgram needs a compiler), so apps without StatsD
 * neither install nor load it. Synchronous, so `createMetrics()` can throw the config error.
 *
 * @param from - the file to resolve from. @default this module's file
 * @throws ObsConfigError naming `backend.type` when hot-shots is not installed.
 */
export function loadHotShots(from: string = ownFile()): StatsdClass {
  const load = createRequire(from);
  let path: string;
  try {
    path = load.resolve('hot-shots');
  } catch (err) {
    throw new ObsConfigError(
      'backend.type',
      '"statsd" needs the hot-shots package, which is not installed: npm install hot-shots',
      { cause: err },
    );
  }
  return load(path) as StatsdClass;
}
