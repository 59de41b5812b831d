// Everything the service stores, as one repository over either database. Times are epoch
// milliseconds in the database and ISO 8601 strings in the API.
import type { Db, Param, Row } from './db';

export interface Workspace {
  id: string;
  name: string;
  owner_user_id: string;
  created_at: string;
}

export interface Agent {
  id: string;
  name: string;
  description: string | null;
  created_at: string;
}

export interface UsageEvent {
  id: string;
  user_id: string;
  agent_id: string;
  type: string;
  credits: number;
  /** Epoch milliseconds. */
  occurred_at: number;
  properties?: Record<string, unknown> | undefined;
}

export type GroupBy = 'agent' | 'day' | 'type';

export interface AnalyticsGroup {
  key: string;
  events: number;
  credits: number;
  users: number;
}

export interface Analytics {
  total_events: number;
  total_credits: number;
  unique_users: number;
  groups: AnalyticsGroup[];
}

export interface CreditsReport {
  total_credits: number;
  events: number;
  by_agent: { agent_id: string; credits: number; events: number }[];
}

export interface DailyRollup {
  day: string;
  agent_id: string;
  type: string;
  events: number;
  credits: number;
  users: number;
}

export interface Principal {
  workspace_id: string;
  user_id: string;
}

/** An alert as the store keeps it: its id, name, state and severity, the rest as JSON. */
export interface StoredAlert {
  id: string;
  name: string;
  state: string;
  severity: string;
}

const GROUP_COLUMN: Record<GroupBy, string> = { agent: 'agent_id', day: 'day', type: 'type' };
/**
 * Rows per INSERT: 500 events × 10 values stays well below both databases' parameter limits
 * (32,766 for SQLite, 65,535 for PostgreSQL), and a whole batch of 500 is one statement.
 */
const CHUNK = 500;
const EVENT_COLUMNS = 10;

const iso = (ms: unknown) => new Date(Number(ms)).toISOString();
/** The UTC day of an instant, `YYYY-MM-DD`: stored with each event so grouping is plain SQL. */
export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/**
 * Events of a workspace in [from, to): the days select rows through the events_by_day index,
 * occurred_at then keeps the exact range. Parameters: {@link inRange}.
 */
const IN_RANGE =
  'workspace_id = ? AND day >= ? AND day <= ? AND occurred_at >= ? AND occurred_at < ?';
const inRange = (workspaceId: string, from: number, to: number): Param[] => [
  workspaceId,
  utcDay(from),
  utcDay(Math.max(from, to - 1)),
  from,
  to,
];
const placeholders = (rows: number, columns: number) =>
  Array.from({ length: rows }, () => `(${Array<string>(columns).fill('?').join(', ')})`).join(', ');

function toWorkspace(row: Row): Workspace {
  return {
    id: String(row.id),
    name: String(row.name),
    owner_user_id: String(row.owner_user_id),
    created_at: iso(row.created_at),
  };
}

export class Repository {
  constructor(readonly db: Db) {}

  /** A round trip to the database (bound: pass it around as a function). */
  readonly ping = async (): Promise<void> => {
    await this.db.query('SELECT 1 AS ok');
  };

  /** Creates the workspace and its first API key; undefined when the id is taken. */
  async createWorkspace(
    workspace: { id: string; name: string; owner_user_id: string },
    keyHash: string,
    now = Date.now(),
  ): Promise<Workspace | undefined> {
    return this.db.transaction(async (tx) => {
      const created = await tx.execute(
        'INSERT INTO workspaces (id, name, owner_user_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
        [workspace.id, workspace.name, workspace.owner_user_id, now],
      );
      if (created === 0) return undefined;
      await tx.execute(
        'INSERT INTO api_keys (key_hash, workspace_id, user_id, created_at) VALUES (?, ?, ?, ?)',
        [keyHash, workspace.id, workspace.owner_user_id, now],
      );
      return { ...workspace, created_at: iso(now) };
    });
  }

  async listWorkspaces(limit: number, offset: number): Promise<Workspace[]> {
    const rows = await this.db.query('SELECT * FROM workspaces ORDER BY id LIMIT ? OFFSET ?', [
      limit,
      offset,
    ]);
    return rows.map(toWorkspace);
  }

  async getWorkspace(id: string): Promise<Workspace | undefined> {
    const [row] = await this.db.query('SELECT * FROM workspaces WHERE id = ?', [id]);
    return row && toWorkspace(row);
  }

  async principal(keyHash: string): Promise<Principal | undefined> {
    const [row] = await this.db.query<{ workspace_id: string; user_id: string }>(
      'SELECT workspace_id, user_id FROM api_keys WHERE key_hash = ?',
      [keyHash],
    );
    return row && { workspace_id: row.workspace_id, user_id: row.user_id };
  }

  /** Undefined when the workspace already has an agent with this id. */
  async createAgent(
    workspaceId: string,
    agent: { id: string; name: string; description?: string | undefined },
    now = Date.now(),
  ): Promise<Agent | undefined> {
    const created = await this.db.execute(
      'INSERT INTO agents (workspace_id, id, name, description, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace_id, id) DO NOTHING',
      [workspaceId, agent.id, agent.name, agent.description ?? null, now],
    );
    if (created === 0) return undefined;
    return {
      id: agent.id,
      name: agent.name,
      description: agent.description ?? null,
      created_at: iso(now),
    };
  }

  async listAgents(workspaceId: string): Promise<Agent[]> {
    const rows = await this.db.query(
      'SELECT id, name, description, created_at FROM agents WHERE workspace_id = ? ORDER BY id',
      [workspaceId],
    );
    return rows.map((row) => ({
      id: String(row.id),
      name: String(row.name),
      description: typeof row.description === 'string' ? row.description : null,
      created_at: iso(row.created_at),
    }));
  }

  /** Which of `ids` are agents of the workspace. */
  async knownAgents(workspaceId: string, ids: readonly string[]): Promise<Set<string>> {
    const known = new Set<string>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const part = ids.slice(i, i + CHUNK);
      const rows = await this.db.query<{ id: string }>(
        `SELECT id FROM agents WHERE workspace_id = ? AND id IN (${part.map(() => '?').join(', ')})`,
        [workspaceId, ...part],
      );
      for (const row of rows) known.add(row.id);
    }
    return known;
  }

  /**
   * Stores the batch in one transaction. Events whose id the workspace already has are skipped
   * (a client retrying a batch is safe); resolves with the events that were new.
   */
  async insertEvents(
    workspaceId: string,
    events: readonly UsageEvent[],
    now = Date.now(),
  ): Promise<UsageEvent[]> {
    return this.db.transaction(async (tx) => {
      const inserted = new Set<string>();
      for (let i = 0; i < events.length; i += CHUNK) {
        const part = events.slice(i, i + CHUNK);
        const params: Param[] = [];
        for (const e of part)
          params.push(
            workspaceId,
            e.id,
            e.user_id,
            e.agent_id,
            e.type,
            e.credits,
            e.occurred_at,
            utcDay(e.occurred_at),
            e.properties === undefined ? null : JSON.stringify(e.properties),
            now,
          );
        const rows = await tx.query<{ id: string }>(
          `INSERT INTO events (workspace_id, id, user_id, agent_id, type, credits, occurred_at, day, properties, received_at) VALUES ${placeholders(part.length, EVENT_COLUMNS)} ON CONFLICT (workspace_id, id) DO NOTHING RETURNING id`,
          params,
        );
        for (const row of rows) inserted.add(row.id);
      }
      const stored = events.filter((e) => inserted.has(e.id));
      if (stored.length > 0) {
        await tx.execute('UPDATE workspaces SET data_version = data_version + 1 WHERE id = ?', [
          workspaceId,
        ]);
        for (const day of new Set(stored.map((e) => utcDay(e.occurred_at))))
          await tx.execute(
            'INSERT INTO dirty_days (workspace_id, day) VALUES (?, ?) ON CONFLICT (workspace_id, day) DO NOTHING',
            [workspaceId, day],
          );
      }
      return stored;
    });
  }

  /** Changes with every ingest that stores events: what cached analytics are keyed on. */
  async dataVersion(workspaceId: string): Promise<number | undefined> {
    const [row] = await this.db.query('SELECT data_version FROM workspaces WHERE id = ?', [
      workspaceId,
    ]);
    return row && Number(row.data_version);
  }

  /** Seed 000's `calculate_analytics`: events, credits and distinct users in [from, to), grouped. */
  async analytics(
    workspaceId: string,
    from: number,
    to: number,
    groupBy: GroupBy,
  ): Promise<Analytics> {
    const column = GROUP_COLUMN[groupBy];
    const where = `WHERE ${IN_RANGE}`;
    const params = inRange(workspaceId, from, to);
    const groups = await this.db.query(
      `SELECT ${column} AS key, COUNT(*) AS events, SUM(credits) AS credits, COUNT(DISTINCT user_id) AS users FROM events ${where} GROUP BY ${column} ORDER BY ${column}`,
      params,
    );
    const [total] = await this.db.query(
      `SELECT COUNT(*) AS events, COALESCE(SUM(credits), 0) AS credits, COUNT(DISTINCT user_id) AS users FROM events ${where}`,
      params,
    );
    return {
      total_events: Number(total?.events ?? 0),
      total_credits: Number(total?.credits ?? 0),
      unique_users: Number(total?.users ?? 0),
      groups: groups.map((g) => ({
        key: String(g.key),
        events: Number(g.events),
        credits: Number(g.credits),
        users: Number(g.users),
      })),
    };
  }

  /** Distinct users with an event at or after `since`. */
  async activeUsers(workspaceId: string, since: number): Promise<number> {
    const [row] = await this.db.query(
      'SELECT COUNT(DISTINCT user_id) AS users FROM events WHERE workspace_id = ? AND day >= ? AND occurred_at >= ?',
      [workspaceId, utcDay(since), since],
    );
    return Number(row?.users ?? 0);
  }

  /** Active users of every workspace with events since `since`. */
  async activeUsersByWorkspace(since: number): Promise<Map<string, number>> {
    const rows = await this.db.query(
      'SELECT workspace_id, COUNT(DISTINCT user_id) AS users FROM events WHERE day >= ? AND occurred_at >= ? GROUP BY workspace_id',
      [utcDay(since), since],
    );
    return new Map(rows.map((r) => [String(r.workspace_id), Number(r.users)]));
  }

  async credits(workspaceId: string, from: number, to: number): Promise<CreditsReport> {
    const rows = await this.db.query(
      `SELECT agent_id, COUNT(*) AS events, SUM(credits) AS credits FROM events WHERE ${IN_RANGE} GROUP BY agent_id ORDER BY agent_id`,
      inRange(workspaceId, from, to),
    );
    const byAgent = rows.map((r) => ({
      agent_id: String(r.agent_id),
      credits: Number(r.credits),
      events: Number(r.events),
    }));
    return {
      total_credits: byAgent.reduce((sum, a) => sum + a.credits, 0),
      events: byAgent.reduce((sum, a) => sum + a.events, 0),
      by_agent: byAgent,
    };
  }

  /**
   * Rebuilds the daily rollups of every (workspace, day) that received events since its last
   * rebuild, clearing each day's mark in the same transaction. An ingest committing during a
   * rebuild marks its day again (on PostgreSQL it waits for the mark's row lock), so the next
   * run picks it up: nothing is missed and nothing is counted twice.
   */
  async rollup(now = Date.now()): Promise<{ days: number; rows: number }> {
    const dirty = await this.db.query<{ workspace_id: string; day: string }>(
      'SELECT workspace_id, day FROM dirty_days ORDER BY workspace_id, day',
    );
    let rows = 0;
    for (const { workspace_id, day } of dirty) {
      rows += await this.db.transaction(async (tx) => {
        // Two instances rolling up the same day on one PostgreSQL take turns.
        if (this.db.dialect === 'postgres')
          await tx.query('SELECT pg_advisory_xact_lock(hashtext(?))', [`${workspace_id}/${day}`]);
        await tx.execute('DELETE FROM dirty_days WHERE workspace_id = ? AND day = ?', [
          workspace_id,
          day,
        ]);
        await tx.execute('DELETE FROM daily_rollups WHERE workspace_id = ? AND day = ?', [
          workspace_id,
          day,
        ]);
        return tx.execute(
          `INSERT INTO daily_rollups (workspace_id, day, agent_id, type, events, credits, users, updated_at)
           SELECT workspace_id, day, agent_id, type, COUNT(*), SUM(credits), COUNT(DISTINCT user_id), ?
           FROM events WHERE workspace_id = ? AND day = ?
           GROUP BY workspace_id, day, agent_id, type`,
          [now, workspace_id, day],
        );
      });
    }
    return { days: dirty.length, rows };
  }

  async dailyRollups(workspaceId: string): Promise<DailyRollup[]> {
    const rows = await this.db.query(
      'SELECT day, agent_id, type, events, credits, users FROM daily_rollups WHERE workspace_id = ? ORDER BY day, agent_id, type',
      [workspaceId],
    );
    return rows.map((r) => ({
      day: String(r.day),
      agent_id: String(r.agent_id),
      type: String(r.type),
      events: Number(r.events),
      credits: Number(r.credits),
      users: Number(r.users),
    }));
  }

  async saveAlert(alert: StoredAlert, now = Date.now()): Promise<void> {
    await this.db.execute(
      `INSERT INTO alerts (id, name, state, severity, data, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, state = excluded.state,
       severity = excluded.severity, data = excluded.data, updated_at = excluded.updated_at`,
      [alert.id, alert.name, alert.state, alert.severity, JSON.stringify(alert), now],
    );
  }

  /** The alert engine's store: alerts and their history kept in this database. */
  alertStore<A extends StoredAlert>(): {
    save(alert: A): Promise<void>;
    history(limit: number): Promise<A[]>;
  } {
    return {
      save: (alert) => this.saveAlert(alert),
      history: async (limit) => (await this.alertHistory(limit)) as A[],
    };
  }

  /** Stored alerts, most recently changed first. */
  async alertHistory(limit: number): Promise<StoredAlert[]> {
    const rows = await this.db.query<{ data: string }>(
      'SELECT data FROM alerts ORDER BY updated_at DESC, id LIMIT ?',
      [limit],
    );
    return rows.map((r) => JSON.parse(r.data) as StoredAlert);
  }
}
