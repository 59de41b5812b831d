// Who is calling: `Authorization: Bearer <key>` with a workspace's API key, or the admin token.
// The caller's user and workspace go into the request context, so every log line, span and error
// event of the request carries them. Failed and forbidden attempts are security events: written to
// the audit log and counted (auth_failures_total{reason}), which HighAuthFailureRate watches.
import { constantTimeEqual, updateContext } from '@obs/core';
import { forbidden, unauthorized } from '@obs/errors';
import type { Context, MiddlewareHandler } from 'hono';
import { LRUCache } from 'lru-cache';
import type { Principal, Repository } from '../db/repository';
import { hashApiKey, looksLikeApiKey } from '../domain/keys';

export type Caller = { kind: 'admin' } | ({ kind: 'key' } & Principal);

export type AuthFailureReason = 'missing_credentials' | 'invalid_credentials' | 'forbidden';

export interface AuthOptions {
  repo: Repository;
  adminToken: string;
  /** A failed or forbidden attempt (audit it, count it). */
  onFailure: (reason: AuthFailureReason, c: Context, detail: Record<string, string>) => void;
}

export interface AuthVariables {
  caller: Caller;
}

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="analytics"' };

function bearer(header: string | undefined): string | undefined {
  const match = header && /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match ? match[1] : undefined;
}

export function authenticate(
  options: AuthOptions,
): MiddlewareHandler<{ Variables: AuthVariables }> {
  // Keys are never revoked in this demo, so a known key's principal can be remembered briefly.
  const known = new LRUCache<string, Principal>({ max: 10_000, ttl: 60_000 });
  return async (c, next) => {
    const token = bearer(c.req.header('authorization'));
    if (token === undefined) {
      options.onFailure('missing_credentials', c, {});
      throw unauthorized('Send `Authorization: Bearer <api key>`.', { headers: CHALLENGE });
    }
    if (constantTimeEqual(token, options.adminToken)) {
      c.set('caller', { kind: 'admin' });
      updateContext({ userId: 'admin' });
      return next();
    }
    const hash = looksLikeApiKey(token) ? hashApiKey(token) : undefined;
    let principal = hash === undefined ? undefined : known.get(hash);
    if (hash !== undefined && !principal) {
      principal = await options.repo.principal(hash);
      if (principal) known.set(hash, principal);
    }
    if (!principal) {
      options.onFailure('invalid_credentials', c, {});
      throw unauthorized('The API key is not valid.', { headers: CHALLENGE });
    }
    c.set('caller', { kind: 'key', ...principal });
    updateContext({ userId: principal.user_id, workspaceId: principal.workspace_id });
    return next();
  };
}

/** Admin-only operations. */
export function requireAdmin(
  c: Context<{ Variables: AuthVariables }>,
  onFailure: AuthOptions['onFailure'],
): void {
  if (c.var.caller.kind === 'admin') return;
  onFailure('forbidden', c, { required: 'admin' });
  throw forbidden('This operation needs the admin token.');
}

/** A workspace's own data: its key, or the admin token. */
export function requireWorkspace(
  c: Context<{ Variables: AuthVariables }>,
  workspaceId: string,
  onFailure: AuthOptions['onFailure'],
): void {
  const caller = c.var.caller;
  if (caller.kind === 'admin' || caller.workspace_id === workspaceId) {
    updateContext({ workspaceId });
    return;
  }
  onFailure('forbidden', c, { workspace_id: workspaceId });
  throw forbidden('This API key belongs to another workspace.');
}
