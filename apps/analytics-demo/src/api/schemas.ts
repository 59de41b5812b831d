// Request and response shapes: validated by zod, documented in /openapi.json from the same source.
import { z } from '@hono/zod-openapi';
import { MAX_BATCH } from '../domain/events';

const slug = (example: string) =>
  z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected lowercase letters, digits, - and _ (1–63)')
    .openapi({ example });
/** Control characters (NUL among them, which PostgreSQL refuses in text); newlines and tabs where allowed. */
/* eslint-disable no-control-regex -- matching control characters is the point */
const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_BUT_WHITESPACE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/* eslint-enable no-control-regex */
/**
 * Text stored as it was sent: well-formed Unicode (a lone surrogate would be stored as U+FFFD,
 * so two different ids could become one) and no control characters.
 */
const text = (min: number, max: number, control = CONTROL) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine(
      (v) => v.isWellFormed() && !control.test(v),
      'must be well-formed Unicode (no lone surrogates) without control characters',
    );
const identifier = (example: string) => text(1, 128).openapi({ example });
/**
 * An ISO 8601 instant with its zone (`Z` or `±hh:mm`), on a real calendar day. Checked with a
 * short pattern and the calendar rather than zod's exhaustive date-time pattern, which cost half
 * of the validation of a 500-event batch.
 */
const ISO_INSTANT =
  /^(\d{4})-(\d\d)-(\d\d)T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;
function isRealInstant(value: string): boolean {
  const m = ISO_INSTANT.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return (
    day >= 1 && month >= 1 && month <= 12 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate()
  );
}
const instant = (example: string) =>
  z
    .string()
    .max(40)
    .refine(
      isRealInstant,
      'expected an ISO 8601 date-time with a time zone, e.g. 2026-11-22T10:00:00Z',
    )
    .openapi({ example, format: 'date-time', description: 'ISO 8601 date-time' });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    code: z.string(),
    request_id: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string(), code: z.string().optional() }))
      .optional(),
  })
  .openapi('Problem');

export const WorkspaceIdParams = z.object({
  workspaceId: slug('acme').openapi({ param: { name: 'workspaceId', in: 'path' } }),
});

export const WorkspaceCreateSchema = z
  .object({
    id: slug('acme'),
    name: text(1, 200).openapi({ example: 'Acme Inc.' }),
    owner_user_id: identifier('user-1').default('owner'),
  })
  .openapi('WorkspaceCreate');

export const WorkspaceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    owner_user_id: z.string(),
    created_at: z.string(),
  })
  .openapi('Workspace');

export const WorkspaceCreatedSchema = WorkspaceSchema.extend({
  api_key: z.string().openapi({ description: 'Shown once; only its hash is stored.' }),
}).openapi('WorkspaceCreated');

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const WorkspaceListSchema = z
  .object({ items: z.array(WorkspaceSchema), limit: z.number(), offset: z.number() })
  .openapi('WorkspaceList');

export const AgentCreateSchema = z
  .object({
    id: slug('support-bot'),
    name: text(1, 200).openapi({ example: 'Support bot' }),
    description: text(0, 2000, CONTROL_BUT_WHITESPACE).optional(),
  })
  .openapi('AgentCreate');

export const AgentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('Agent');

export const AgentListSchema = z.object({ items: z.array(AgentSchema) }).openapi('AgentList');

/** Events may be up to a day ahead of the server's clock (skewed clients), not more. */
const MAX_FUTURE_MS = 86_400_000;
const MAX_PROPERTIES_BYTES = 8192;

export const UsageEventSchema = z
  .object({
    id: identifier('evt-0001').openapi({ description: 'Client-chosen; re-sending it is a no-op.' }),
    user_id: identifier('user-1'),
    agent_id: slug('support-bot'),
    type: z
      .string()
      .regex(/^[a-z][a-z0-9_.]{0,63}$/, 'expected a lowercase event type like "chat.completion"')
      .openapi({ example: 'chat.completion' }),
    credits: z.number().int().min(0).max(1_000_000_000).openapi({ example: 12 }),
    occurred_at: instant('2026-11-22T10:00:00Z').refine(
      (v) => Date.parse(v) <= Date.now() + MAX_FUTURE_MS,
      'must not be more than a day in the future',
    ),
    properties: z
      .record(z.string(), z.unknown())
      .optional()
      .refine((p) => {
        if (p === undefined) return true;
        try {
          return Buffer.byteLength(JSON.stringify(p)) <= MAX_PROPERTIES_BYTES;
        } catch {
          return false; // nested too deep to serialize (a RangeError): far over the limit anyway
        }
      }, `must be at most ${MAX_PROPERTIES_BYTES} bytes as JSON`),
  })
  .openapi('UsageEvent');

export const EventBatchSchema = z
  .object({ events: z.array(UsageEventSchema).min(1).max(MAX_BATCH) })
  .openapi('EventBatch');

export const IngestResultSchema = z
  .object({
    accepted: z.number().int().openapi({ description: 'New events stored.' }),
    duplicates: z.number().int().openapi({ description: 'Events whose id was already stored.' }),
    credits: z.number().int().openapi({ description: 'Credits of the new events.' }),
  })
  .openapi('IngestResult');

const range = {
  from: instant('2026-11-01T00:00:00Z').optional(),
  to: instant('2026-12-01T00:00:00Z').optional(),
};

export const AnalyticsQuerySchema = z.object({
  ...range,
  group_by: z.enum(['agent', 'day', 'type']).default('agent'),
});

export const CreditsQuerySchema = z.object(range);

export const AnalyticsSchema = z
  .object({
    workspace_id: z.string(),
    from: z.string(),
    to: z.string(),
    group_by: z.enum(['agent', 'day', 'type']),
    cached: z.boolean(),
    total_events: z.number(),
    total_credits: z.number(),
    unique_users: z.number(),
    groups: z.array(
      z.object({ key: z.string(), events: z.number(), credits: z.number(), users: z.number() }),
    ),
  })
  .openapi('Analytics');

export const ActiveUsersQuerySchema = z.object({
  window: z.enum(['5m', '1h', '24h']).default('1h'),
});

export const ActiveUsersSchema = z
  .object({
    workspace_id: z.string(),
    window: z.enum(['5m', '1h', '24h']),
    since: z.string(),
    active_users: z.number(),
  })
  .openapi('ActiveUsers');

export const CreditsSchema = z
  .object({
    workspace_id: z.string(),
    from: z.string(),
    to: z.string(),
    total_credits: z.number(),
    events: z.number(),
    by_agent: z.array(z.object({ agent_id: z.string(), credits: z.number(), events: z.number() })),
  })
  .openapi('Credits');

export const RollupResultSchema = z
  .object({
    job_id: z.string(),
    trigger: z.enum(['schedule', 'manual']),
    days: z.number(),
    rows: z.number(),
    workspaces: z.number(),
    duration_ms: z.number(),
  })
  .openapi('RollupResult');
