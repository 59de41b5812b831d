// Batched usage-event ingestion: checks that need the database (agents exist) or the whole
// batch (ids unique), then one transaction for the batch. Any invalid event rejects the batch,
// naming its index, so a client never has to guess which half was stored.
import type { FieldError } from '@obs/errors';
import type { Repository, UsageEvent } from '../db/repository';

export const MAX_BATCH = 1000;

export type IngestResult =
  { ok: true; accepted: UsageEvent[]; duplicates: number } | { ok: false; errors: FieldError[] };

export async function ingestEvents(
  repo: Repository,
  workspaceId: string,
  events: readonly UsageEvent[],
): Promise<IngestResult> {
  const errors: FieldError[] = [];
  const seen = new Map<string, number>();
  events.forEach((event, index) => {
    const first = seen.get(event.id);
    if (first === undefined) seen.set(event.id, index);
    else
      errors.push({
        path: `events.${index}.id`,
        message: `duplicate of events.${first}.id in the same batch`,
        code: 'duplicate_id',
      });
  });
  const agents = [...new Set(events.map((e) => e.agent_id))];
  const known = await repo.knownAgents(workspaceId, agents);
  events.forEach((event, index) => {
    if (!known.has(event.agent_id))
      errors.push({
        path: `events.${index}.agent_id`,
        message: `no agent "${event.agent_id}" in this workspace`,
        code: 'unknown_agent',
      });
  });
  if (errors.length > 0) {
    errors.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
    return { ok: false, errors: errors.slice(0, 100) };
  }
  const accepted = await repo.insertEvents(workspaceId, events);
  return { ok: true, accepted, duplicates: events.length - accepted.length };
}
