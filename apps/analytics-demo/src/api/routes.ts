// The HTTP API, FastAPI-style: each route declares its parameters, body and answers with zod, so
// requests are validated before the handler runs and /openapi.json documents exactly this.
import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import { isUtf8 } from 'node:buffer';
import { badRequest, conflict, notFound, payloadTooLarge, unprocessable } from '@obs/errors';
import { bodyLimit } from 'hono/body-limit';
import type { Repository } from '../db/repository';
import type { AnalyticsService } from '../domain/analytics';
import { ingestEvents, MAX_BATCH } from '../domain/events';
import { generateApiKey, hashApiKey } from '../domain/keys';
import type { RollupJob } from '../domain/rollup';
import type { MiddlewareHandler } from 'hono';
import { requireAdmin, requireWorkspace, type AuthOptions, type AuthVariables } from './auth';
import * as s from './schemas';

export interface ApiDeps {
  repo: Repository;
  analytics: AnalyticsService;
  rollup: RollupJob;
  onAuthFailure: AuthOptions['onFailure'];
  /** New credits, for analytics_credits_consumed_total{workspace_id,agent_id}. */
  onCredits: (workspaceId: string, agentId: string, credits: number) => void;
}

export type ApiEnv = { Variables: AuthVariables };

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const problem = (description: string) => ({
  content: { 'application/problem+json': { schema: s.ProblemSchema } },
  description,
});
const errors = {
  401: problem('Missing or invalid API key'),
  403: problem('The key may not do this'),
  422: problem('Invalid parameters or body, with each field path'),
};
const workspaceErrors = { ...errors, 404: problem('No such workspace') };
const security = [{ Bearer: [] }];
const DAY_MS = 86_400_000;
/** Largest body accepted on ingestion: 1000 events with their properties fit easily. */
const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** `from`/`to` as epoch ms: `to` defaults to the next full minute (so defaults cache), `from` to 30 days before. */
function timeRange(query: { from?: string | undefined; to?: string | undefined }) {
  const to = query.to ? Date.parse(query.to) : Math.ceil(Date.now() / 60_000) * 60_000;
  const from = query.from ? Date.parse(query.from) : to - 30 * DAY_MS;
  if (from >= to)
    throw unprocessable('The range is empty.', {
      errors: [{ path: 'from', message: 'must be before `to`', code: 'invalid_range' }],
    });
  return { from, to };
}

const WINDOW_MS = { '5m': 5 * 60_000, '1h': 3_600_000, '24h': DAY_MS } as const;

export function registerApi(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  const { repo, onAuthFailure } = deps;
  app.openAPIRegistry.registerComponent('securitySchemes', 'Bearer', {
    type: 'http',
    scheme: 'bearer',
    description: "A workspace's API key, or the admin token",
  });

  // Who may do what is settled before any body is read or validated: another workspace's key
  // gets 403 (before 404, so keys cannot probe which workspaces exist), whatever it sent.
  const workspaceScope: MiddlewareHandler<ApiEnv> = async (c, next) => {
    const id = c.req.param('workspaceId') ?? '';
    requireWorkspace(c, id, onAuthFailure);
    // A key's own workspace exists (the key references it); the admin may name any.
    if (c.var.caller.kind === 'admin' && !(await repo.getWorkspace(id)))
      throw notFound(`No workspace "${id}".`);
    await next();
  };
  const adminOnly: MiddlewareHandler<ApiEnv> = async (c, next) => {
    requireAdmin(c, onAuthFailure);
    await next();
  };
  app.use('/api/v1/workspaces/:workspaceId', workspaceScope);
  app.use('/api/v1/workspaces/:workspaceId/*', workspaceScope);
  app.on(['GET', 'POST'], '/api/v1/workspaces', adminOnly);
  app.use('/api/v1/jobs/*', adminOnly);
  app.use(
    '/api/v1/workspaces/:workspaceId/events',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw payloadTooLarge(`The body is over ${MAX_BODY_BYTES} bytes.`);
      },
    }),
  );
  // JSON is UTF-8 (RFC 8259). Decoding would turn invalid bytes into U+FFFD and store that, so two
  // different ids could become one: such a body is refused whole, after the size limit above.
  app.use('/api/v1/*', async (c, next) => {
    if (c.req.raw.body && /json/i.test(c.req.header('content-type') ?? ''))
      if (!isUtf8(await c.req.arrayBuffer())) throw badRequest('The body is not valid UTF-8.');
    await next();
  });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/workspaces',
      tags: ['workspaces'],
      summary: 'Create a workspace and its first API key (admin)',
      security,
      request: { body: { ...json(s.WorkspaceCreateSchema, 'The workspace'), required: true } },
      responses: {
        201: json(s.WorkspaceCreatedSchema, 'Created; the API key is shown this once'),
        409: problem('A workspace with this id exists'),
        ...errors,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const apiKey = generateApiKey();
      const workspace = await repo.createWorkspace(body, hashApiKey(apiKey));
      if (!workspace) throw conflict(`A workspace "${body.id}" exists already.`);
      return c.json({ ...workspace, api_key: apiKey }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/workspaces',
      tags: ['workspaces'],
      summary: 'List workspaces (admin)',
      security,
      request: { query: s.PageQuery },
      responses: { 200: json(s.WorkspaceListSchema, 'A page of workspaces'), ...errors },
    }),
    async (c) => {
      const { limit, offset } = c.req.valid('query');
      return c.json({ items: await repo.listWorkspaces(limit, offset), limit, offset }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/workspaces/{workspaceId}',
      tags: ['workspaces'],
      summary: 'One workspace',
      security,
      request: { params: s.WorkspaceIdParams },
      responses: { 200: json(s.WorkspaceSchema, 'The workspace'), ...workspaceErrors },
    }),
    async (c) => {
      const { workspaceId } = c.req.valid('param');
      const workspace = await repo.getWorkspace(workspaceId);
      if (!workspace) throw notFound(`No workspace "${workspaceId}".`);
      return c.json(workspace, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/workspaces/{workspaceId}/agents',
      tags: ['agents'],
      summary: 'Register an agent',
      security,
      request: {
        params: s.WorkspaceIdParams,
        body: { ...json(s.AgentCreateSchema, 'The agent'), required: true },
      },
      responses: {
        201: json(s.AgentSchema, 'Created'),
        409: problem('The workspace has an agent with this id'),
        ...workspaceErrors,
      },
    }),
    async (c) => {
      const { workspaceId } = c.req.valid('param');
      const body = c.req.valid('json');
      const agent = await repo.createAgent(workspaceId, body);
      if (!agent) throw conflict(`An agent "${body.id}" exists already in this workspace.`);
      return c.json(agent, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/workspaces/{workspaceId}/agents',
      tags: ['agents'],
      summary: "The workspace's agents",
      security,
      request: { params: s.WorkspaceIdParams },
      responses: { 200: json(s.AgentListSchema, 'Agents'), ...workspaceErrors },
    }),
    async (c) => {
      const { workspaceId } = c.req.valid('param');
      return c.json({ items: await repo.listAgents(workspaceId) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/workspaces/{workspaceId}/events',
      tags: ['events'],
      summary: `Ingest a batch of up to ${MAX_BATCH} usage events (all or nothing, idempotent by id)`,
      security,
      request: {
        params: s.WorkspaceIdParams,
        body: { ...json(s.EventBatchSchema, 'The batch'), required: true },
      },
      responses: {
        200: json(s.IngestResultSchema, 'Stored (duplicates skipped)'),
        413: problem(`More than ${MAX_BATCH} events, or a body over ${MAX_BODY_BYTES} bytes`),
        ...workspaceErrors,
      },
    }),
    async (c) => {
      const { workspaceId } = c.req.valid('param');
      const events = c.req.valid('json').events.map((e) => ({
        ...e,
        occurred_at: Date.parse(e.occurred_at),
      }));
      const result = await ingestEvents(repo, workspaceId, events);
      if (!result.ok)
        throw unprocessable('Some events are not valid; none was stored.', {
          code: 'VALIDATION_FAILED',
          errors: result.errors,
        });
      let credits = 0;
      const byAgent = new Map<string, number>();
      for (const e of result.accepted) {
        credits += e.credits;
        byAgent.set(e.agent_id, (byAgent.get(e.agent_id) ?? 0) + e.credits);
      }
      for (const [agentId, sum] of byAgent) deps.onCredits(workspaceId, agentId, sum);
      return c.json(
        { accepted: result.accepted.length, duplicates: result.duplicates, credits },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/workspaces/{workspaceId}/analytics',
      tags: ['analytics'],
      summary: 'Events, credits and users over a time range, grouped by agent, day or type',
      security,
      request: { params: s.WorkspaceIdParams, query: s.AnalyticsQuerySchema },
      responses: { 200: json(s.AnalyticsSchema, 'The analytics'), ...workspaceErrors },
    }),
    async (c) => {
      const { workspaceId } = c.req.valid('param');
      const query = c.req.valid('query');
      const { from, to } = timeRange(query);
      const { analytics, cached } = await deps.analytics.calculateAnalytics(workspaceId, {
        from,
        to,
        group_by: query.group_by,
      });
      c.header('X-Cache', cached ? 'hit' : 'miss');
      return c.json(
        {
          workspace_id: workspaceId,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          group_by: query.group_by,
          cached,
          ...analytics,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/workspaces/{workspaceId}/active-users',
      tags: ['analytics'],
      summary: 'Distinct users with an event in the window',
      security,
      request: { params: s.WorkspaceIdParams, query: s.ActiveUsersQuerySchema },
      responses: { 200: json(s.ActiveUsersSchema, 'Active users'), ...workspaceErrors },
    }),
    async (c) => {
      const { workspaceId } = c.req.valid('param');
      const { window } = c.req.valid('query');
      const since = Date.now() - WINDOW_MS[window];
      const activeUsers = await repo.activeUsers(workspaceId, since);
      return c.json(
        {
          workspace_id: workspaceId,
          window,
          since: new Date(since).toISOString(),
          active_users: activeUsers,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/workspaces/{workspaceId}/credits',
      tags: ['analytics'],
      summary: 'Credits consumed over a time range, per agent',
      security,
      request: { params: s.WorkspaceIdParams, query: s.CreditsQuerySchema },
      responses: { 200: json(s.CreditsSchema, 'Credits'), ...workspaceErrors },
    }),
    async (c) => {
      const { workspaceId } = c.req.valid('param');
      const { from, to } = timeRange(c.req.valid('query'));
      const report = await repo.credits(workspaceId, from, to);
      return c.json(
        {
          workspace_id: workspaceId,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          ...report,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/jobs/rollup',
      tags: ['jobs'],
      summary: 'Run the daily rollup now (admin)',
      security,
      responses: { 200: json(s.RollupResultSchema, 'The run'), ...errors },
    }),
    async (c) => {
      return c.json(await deps.rollup.run('manual'), 200);
    },
  );
}
