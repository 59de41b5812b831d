// The demo workspace a first run starts with: three agents and a week of usage, so /docs,
// /metrics and the analytics answer with something to look at. Created once; its API key is
// shown only then (it is stored hashed).
import type { Repository, UsageEvent } from './db/repository';
import { generateApiKey, hashApiKey } from './domain/keys';

export const DEMO_WORKSPACE = 'demo';
const AGENTS = [
  { id: 'support-bot', name: 'Support bot' },
  { id: 'sales-assistant', name: 'Sales assistant' },
  { id: 'code-reviewer', name: 'Code reviewer' },
];
const TYPES = ['chat.completion', 'embedding', 'tool.call'];

/** Creates the demo workspace unless it exists; resolves with its API key when it was created. */
export async function seedDemo(repo: Repository, now = Date.now()): Promise<string | undefined> {
  const apiKey = generateApiKey();
  const workspace = await repo.createWorkspace(
    { id: DEMO_WORKSPACE, name: 'Demo workspace', owner_user_id: 'demo-owner' },
    hashApiKey(apiKey),
  );
  if (!workspace) return undefined;
  for (const agent of AGENTS) await repo.createAgent(DEMO_WORKSPACE, agent);
  // A deterministic week of events: ~40 a day from 12 users.
  const events: UsageEvent[] = [];
  for (let i = 0; i < 280; i++) {
    events.push({
      id: `seed-${i}`,
      user_id: `user-${(i * 7) % 12}`,
      agent_id: AGENTS[i % AGENTS.length]!.id,
      type: TYPES[(i * 5) % TYPES.length]!,
      credits: 1 + ((i * 13) % 40),
      occurred_at: now - Math.floor((i / 280) * 7 * 86_400_000),
    });
  }
  await repo.insertEvents(DEMO_WORKSPACE, events, now);
  return apiKey;
}
