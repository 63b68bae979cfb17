import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database, Statement } from 'better-sqlite3';
import type { LeadPolicyRow } from './lead-policy-row';
import {
  SCORED_STATUS_LIST,
  type ActiveModels,
  type DueQuery,
  type PolicyCheckpoint,
  type PolicyStateChanges,
  type PolicyStateStore,
} from './policy-state.store';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS policy_checkpoint (
  name TEXT PRIMARY KEY,
  commit_position TEXT NOT NULL,
  prepare_position TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS policy_leads (
  lead_id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  next_rescore_at TEXT,
  revisit_at TEXT,
  sla_clock_from TEXT,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS policy_leads_rescore ON policy_leads (next_rescore_at) WHERE next_rescore_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS policy_leads_revisit ON policy_leads (status, revisit_at);
CREATE INDEX IF NOT EXISTS policy_leads_sla ON policy_leads (status, sla_clock_from);
CREATE TABLE IF NOT EXISTS policy_round_robin (
  category TEXT PRIMARY KEY,
  counter INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS policy_models (
  kind TEXT PRIMARY KEY,
  data TEXT NOT NULL
);
`;

const SCORED = SCORED_STATUS_LIST.map((s) => `'${s}'`).join(', ');

/**
 * The policy state in an embedded SQLite file (better-sqlite3). Every commit is one transaction, so
 * a batch's row changes, counters, models and checkpoint are stored together or not at all.
 */
export class SqlitePolicyStore implements PolicyStateStore {
  private readonly db: Database;
  private readonly q: Record<
    | 'checkpoint'
    | 'lead'
    | 'counters'
    | 'models'
    | 'due'
    | 'dueNoSla'
    | 'setCheckpoint'
    | 'upsert'
    | 'remove'
    | 'setCounter'
    | 'setModel'
    | 'rescoreAll',
    Statement
  >;
  private readonly apply: (changes: PolicyStateChanges) => void;

  /** `path`: a file (its directory is created) or ':memory:'. */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new BetterSqlite3(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('secure_delete = ON');
    // NORMAL is enough: the state is rebuilt from events, and a lost last commit only replays idempotent reactions.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    const due = (withSla: boolean) => `
      SELECT data FROM policy_leads
      WHERE lead_id > ? AND (next_rescore_at <= ?
         OR (status = 'nurturing' AND revisit_at <= ?)
         ${withSla ? `OR (status = 'open' AND sla_clock_from <= ?)` : ''})
      ORDER BY lead_id LIMIT ?`;
    this.q = {
      checkpoint: this.db.prepare(`SELECT commit_position, prepare_position FROM policy_checkpoint WHERE name = 'reactor'`),
      lead: this.db.prepare('SELECT data FROM policy_leads WHERE lead_id = ?').pluck(),
      counters: this.db.prepare('SELECT category, counter FROM policy_round_robin'),
      models: this.db.prepare('SELECT kind, data FROM policy_models'),
      due: this.db.prepare(due(true)).pluck(),
      dueNoSla: this.db.prepare(due(false)).pluck(),
      setCheckpoint: this.db.prepare(
        `INSERT INTO policy_checkpoint (name, commit_position, prepare_position) VALUES ('reactor', ?, ?)
         ON CONFLICT (name) DO UPDATE SET commit_position = excluded.commit_position, prepare_position = excluded.prepare_position`,
      ),
      upsert: this.db.prepare(
        `INSERT INTO policy_leads (lead_id, status, next_rescore_at, revisit_at, sla_clock_from, data) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (lead_id) DO UPDATE SET status = excluded.status, next_rescore_at = excluded.next_rescore_at,
           revisit_at = excluded.revisit_at, sla_clock_from = excluded.sla_clock_from, data = excluded.data`,
      ),
      remove: this.db.prepare('DELETE FROM policy_leads WHERE lead_id = ?'),
      setCounter: this.db.prepare(
        'INSERT INTO policy_round_robin (category, counter) VALUES (?, ?) ON CONFLICT (category) DO UPDATE SET counter = excluded.counter',
      ),
      setModel: this.db.prepare(
        'INSERT INTO policy_models (kind, data) VALUES (?, ?) ON CONFLICT (kind) DO UPDATE SET data = excluded.data',
      ),
      rescoreAll: this.db.prepare(
        `UPDATE policy_leads SET next_rescore_at = @at, data = json_set(data, '$.nextRescoreAt', @at) WHERE status IN (${SCORED})`,
      ),
    };
    this.apply = this.db.transaction((c: PolicyStateChanges) => {
      for (const row of c.upsert ?? [])
        this.q.upsert.run(
          row.leadId,
          row.status,
          row.nextRescoreAt ?? null,
          row.revisitAt ?? null,
          row.slaClockFrom ?? null,
          JSON.stringify(row),
        );
      for (const leadId of c.remove ?? []) this.q.remove.run(leadId);
      for (const [category, counter] of Object.entries(c.roundRobin ?? {})) this.q.setCounter.run(category, counter);
      if (c.models?.scoring) this.q.setModel.run('scoring', JSON.stringify(c.models.scoring));
      if (c.models?.predictive) this.q.setModel.run('predictive', JSON.stringify(c.models.predictive));
      if (c.rescoreAllAt) this.q.rescoreAll.run({ at: c.rescoreAllAt });
      if (c.checkpoint) this.q.setCheckpoint.run(c.checkpoint.commit, c.checkpoint.prepare);
    });
  }

  async checkpoint(): Promise<PolicyCheckpoint | null> {
    const row = this.q.checkpoint.get() as { commit_position: string; prepare_position: string } | undefined;
    return row ? { commit: row.commit_position, prepare: row.prepare_position } : null;
  }

  async lead(leadId: string): Promise<LeadPolicyRow | undefined> {
    const data = this.q.lead.get(leadId) as string | undefined;
    return data === undefined ? undefined : (JSON.parse(data) as LeadPolicyRow);
  }

  async roundRobin(): Promise<Record<string, number>> {
    return Object.fromEntries((this.q.counters.all() as { category: string; counter: number }[]).map((r) => [r.category, r.counter]));
  }

  async models(): Promise<ActiveModels> {
    const models: ActiveModels = {};
    for (const { kind, data } of this.q.models.all() as { kind: 'scoring' | 'predictive'; data: string }[]) models[kind] = JSON.parse(data);
    return models;
  }

  async due(query: DueQuery): Promise<LeadPolicyRow[]> {
    const after = query.afterLeadId ?? '';
    const rows = query.slaClockBefore
      ? this.q.due.all(after, query.now, query.now, query.slaClockBefore, query.limit)
      : this.q.dueNoSla.all(after, query.now, query.now, query.limit);
    return (rows as string[]).map((d) => JSON.parse(d) as LeadPolicyRow);
  }

  async commit(changes: PolicyStateChanges): Promise<void> {
    this.apply(changes);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
