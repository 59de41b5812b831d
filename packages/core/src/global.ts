/**
 * One instance per process, whichever copy of @obs/core asked first. The ESM and CJS builds (or
 * two installed versions) are separate module instances; without this they would each hold their
 * own context store and a request's context would vanish at the boundary between them.
 */
export function processSingleton<T>(name: string, create: () => T): T {
  const key = Symbol.for(`@obs/core.${name}`);
  const holder = globalThis as { [key]?: T };
  return (holder[key] ??= create());
}
