import { randomUUID } from 'node:crypto';
import { ObsConfigError } from './errors';
import { processSingleton } from './global';

/** Who is emitting telemetry: the same identity on every signal. */
export interface ServiceInfo {
  readonly name: string;
  readonly version: string;
  readonly environment: string;
  /** Unique per running process (a UUID chosen once per process unless given). */
  readonly instanceId: string;
}

export interface ServiceInfoOptions {
  /** @default env `OTEL_SERVICE_NAME`, then `SERVICE_NAME`, then `'unknown-service'` */
  name?: string;
  /** @default env `APP_VERSION`, then `'unknown'` */
  version?: string;
  /** @default env `ENVIRONMENT`, then `NODE_ENV`, then `'development'` */
  environment?: string;
  /** @default a UUID v4 chosen once per process */
  instanceId?: string;
}

const processInstanceId = processSingleton('instanceId', () => randomUUID());

function pick(
  option: keyof ServiceInfoOptions,
  given: unknown,
  envValues: readonly (string | undefined)[],
  fallback: string,
): string {
  if (given !== undefined) {
    if (typeof given !== 'string' || given.trim() === '') {
      throw new ObsConfigError(`service.${option}`, 'expected a non-empty string');
    }
    return given.trim();
  }
  for (const value of envValues) {
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  return fallback;
}

/**
 * Resolves the service identity: explicit options first, then the conventional environment
 * variables, then defaults. Every package calls this with the user's `service` option, so one
 * identity is shared by logs, metrics, spans and error events.
 *
 * @param options - explicit values; each wins over the environment.
 * @param env - the environment to read (defaults to `process.env`).
 * @throws ObsConfigError when an explicit value is not a non-empty string.
 * @example
 * ```ts
 * const service = resolveServiceInfo({ name: 'analytics-api' });
 * // { name: 'analytics-api', version: process.env.APP_VERSION ?? 'unknown', … }
 * ```
 */
export function resolveServiceInfo(
  options: ServiceInfoOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ServiceInfo {
  return Object.freeze({
    name: pick('name', options.name, [env.OTEL_SERVICE_NAME, env.SERVICE_NAME], 'unknown-service'),
    version: pick('version', options.version, [env.APP_VERSION], 'unknown'),
    environment: pick(
      'environment',
      options.environment,
      [env.ENVIRONMENT, env.NODE_ENV],
      'development',
    ),
    instanceId: pick('instanceId', options.instanceId, [], processInstanceId),
  });
}
