import { ObsConfigError } from '@obs/core';

/** For checks of what JavaScript callers may pass despite the types. */
export function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/**
 * The end of a config error in zod's words (`received undefined`), so that an unset environment
 * variable behind an option is recognisable from the message alone.
 */
export function received(value: unknown): string {
  if (value === '') return 'received an empty string';
  // Numbers and null are shown as they are; other values by type only, as they may be secrets.
  if (value === null || typeof value === 'number') return `received ${String(value)}`;
  return `received ${Array.isArray(value) ? 'an array' : typeof value}`;
}

/** Whether an object has an own enumerable key. */
export function hasKeys(value: object): boolean {
  for (const key in value) if (Object.hasOwn(value, key)) return true;
  return false;
}

/** A factory's options argument; `(options)` is core's name for the whole object. */
export function optionsObject<T>(options: T, expected: string): T & object {
  if (!isObject(options))
    throw new ObsConfigError('(options)', `expected ${expected}, ${received(options)}`);
  return options;
}

/** A string option that must not be empty, such as a token read from the environment. */
export function nonEmptyString(value: unknown, option: string): string {
  if (typeof value !== 'string' || value === '')
    throw new ObsConfigError(option, `expected a non-empty string, ${received(value)}`);
  return value;
}
