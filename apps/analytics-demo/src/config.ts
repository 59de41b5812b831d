// The demo's whole configuration, read once from environment variables and validated: a bad value
// stops start-up with one message naming the variable. The README's table lists every one.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ObsConfigError } from '@obs/core';
import { z } from 'zod';

const optionalUrl = z.url().optional();
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
    .optional(),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
    .optional(),
  CACHE_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  CACHE_KEY_PREFIX: z.string().min(1).max(64).default('analytics:'),
  ADMIN_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),
  METRICS_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),
  SERVICE_NAME: z.string().min(1).default('analytics'),
  ENVIRONMENT: z.string().min(1).optional(),
  APP_VERSION: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  LOG_FILE: z.string().min(1).optional(),
  LOKI_URL: optionalUrl,
  AUDIT_LOG: z.string().min(1).optional(),
  SENTRY_DSN: optionalUrl,
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  MAIN_APP_URL: optionalUrl,
  ALERT_WEBHOOK_URL: optionalUrl,
  SLACK_WEBHOOK_URL: optionalUrl,
  ALERTMANAGER_URL: optionalUrl,
  ROLLUP_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
  ALERT_INTERVAL_MS: z.coerce.number().int().min(100).default(1000),
  ALERT_FOR: z
    .string()
    .regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration like 2s or 5m')
    .optional(),
  SEED_DEMO: flag.default(true),
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).default(5000),
  FAULT_INJECTION: flag.default(false),
});

export type Config = z.infer<typeof schema> & {
  /** The service identity every package stamps on its signals. */
  service: { name: string; version?: string | undefined; environment?: string | undefined };
  /** ADMIN_TOKEN, or one generated at start-up (printed once). */
  adminToken: string;
  /** AUDIT_LOG, or `audit.log` in DATA_DIR. */
  auditLog: string;
};

/** The configuration from `env`; throws ObsConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty variables count as unset, as in most .env tooling.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const result = schema.safeParse(present);
  if (result.success) {
    const { SERVICE_NAME: name, APP_VERSION: version, ENVIRONMENT: environment } = result.data;
    return {
      ...result.data,
      service: { name, version, environment },
      adminToken: result.data.ADMIN_TOKEN ?? randomBytes(24).toString('base64url'),
      auditLog: result.data.AUDIT_LOG ?? join(result.data.DATA_DIR, 'audit.log'),
    };
  }
  const issue = result.error.issues[0]!;
  throw new ObsConfigError(issue.path.join('.'), issue.message);
}
