/**
 * Disqualifications: every Disqualified event, one row each, kept after the lead is reactivated —
 * the audit answer to "why was this lead disqualified?".
 *
 * - `id` (the event id), `leadId`, `reason` (the reason code), `note`, `rule` (data.rule, null when the
 *   decision was not a rule's), `actor` (metadata.actor: a person, a service or `policy:<name>`),
 *   `occurredAt` (business time), `revision` and `position` of the event.
 * - `facts`: the facts snapshot the event carries (need, product line, budget, decision maker, score…),
 *   which the decider takes from the lead's state when it decides.
 * - `score`, `temperature`, `scoringModelVersion`: the snapshot's, null when the lead was not scored:
 *   the score the decision was based on, read from the event itself rather than from earlier events.
 * - PersonalDataErased removes the decision maker's name from the facts of the lead's rows and marks
 *   them `erased: true`; the note, free text that may name the person, becomes null.
 *
 * Query: filter by reason, actor, lead and period (from ≤ occurredAt < to, ISO times); newest first;
 * paginated.
 */
import type { LeadEventType, LeadFactsSnapshot, Temperature } from '@lead/domain';
import type { ReadStore } from '../../read-store/read-store.port';
import type { AnyLeadEventEnvelope, ProjectionDefinition } from '../../runner/projection';
import type { ProjectionTx } from '../../runner/projection-tx';
import { decodeCursor, encodeCursor, pageSize, toPage, type Page } from '../paging';

export const DISQUALIFICATIONS = 'disqualifications';
/** Per disqualified lead: its disqualification rows, for erasure. */
const DISQUALIFIED_LEADS = 'disqualification_leads';

export type Disqualification = {
  id: string;
  leadId: string;
  reason: string;
  note: string | null;
  rule: string | null;
  actor: string | null;
  occurredAt: string;
  facts: LeadFactsSnapshot;
  score: number | null;
  temperature: Temperature | null;
  scoringModelVersion: string | null;
  erased: boolean;
  revision: number;
  position: string;
};

type DisqualifiedLead = { disqualifications: string[] };

export const disqualificationsProjection: ProjectionDefinition = {
  name: 'disqualifications',
  // 2: score and temperature from the event's facts snapshot; per-lead documents for disqualified leads only.
  version: 2,
  collections: [
    {
      name: DISQUALIFICATIONS,
      fields: { leadId: 'text', reason: 'text', actor: 'text', occurredAt: 'text' },
      indexes: [
        [['occurredAt', -1]],
        [
          ['reason', 1],
          ['occurredAt', -1],
        ],
        [
          ['actor', 1],
          ['occurredAt', -1],
        ],
        [
          ['leadId', 1],
          ['occurredAt', -1],
        ],
      ],
    },
    { name: DISQUALIFIED_LEADS, fields: {}, indexes: [] },
  ],
  handles: new Set<LeadEventType>(['Disqualified', 'PersonalDataErased']),
  reads(event, read) {
    read(DISQUALIFIED_LEADS, event.leadId);
  },
  apply(event: AnyLeadEventEnvelope, tx: ProjectionTx): void {
    const lead = tx.get<DisqualifiedLead>(DISQUALIFIED_LEADS, event.leadId);
    if (event.type === 'PersonalDataErased') {
      for (const id of lead?.disqualifications ?? [])
        tx.update(DISQUALIFICATIONS, id, { unset: ['facts.decisionMaker.name'], set: { erased: true, note: null } });
      return;
    }
    if (event.type !== 'Disqualified') return;
    const facts = event.data.facts ?? {};
    const row: Disqualification = {
      id: event.eventId,
      leadId: event.leadId,
      reason: event.data.reason,
      note: event.data.note,
      rule: event.data.rule ?? null,
      actor: event.actor,
      occurredAt: event.occurredAt,
      facts,
      score: facts.score ?? null,
      temperature: facts.temperature ?? null,
      scoringModelVersion: facts.scoringModelVersion ?? null,
      erased: false,
      revision: event.revision,
      position: event.positionText,
    };
    tx.put(DISQUALIFICATIONS, event.eventId, row);
    tx.put(DISQUALIFIED_LEADS, event.leadId, { disqualifications: [...(lead?.disqualifications ?? []), event.eventId] });
  },
};

export interface DisqualificationsQuery {
  readonly reason?: string;
  readonly actor?: string;
  readonly leadId?: string;
  /** ISO time or date, inclusive. */
  readonly from?: string;
  /** ISO time or date, exclusive. */
  readonly to?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

export async function queryDisqualifications(readStore: ReadStore, query: DisqualificationsQuery = {}): Promise<Page<Disqualification>> {
  const limit = pageSize(query.limit);
  const list = 'disqualifications:occurredAt';
  const filter: Record<string, string | { gte?: string; lt?: string }> = {};
  if (query.reason !== undefined) filter.reason = query.reason;
  if (query.actor !== undefined) filter.actor = query.actor;
  if (query.leadId !== undefined) filter.leadId = query.leadId;
  if (query.from !== undefined || query.to !== undefined) {
    filter.occurredAt = {
      ...(query.from !== undefined ? { gte: isoBound('from', query.from) } : {}),
      ...(query.to !== undefined ? { lt: isoBound('to', query.to) } : {}),
    };
  }
  const rows = (await readStore.find(DISQUALIFICATIONS, {
    filter,
    sort: { field: 'occurredAt', direction: -1 },
    ...(query.cursor ? { after: decodeCursor(list, query.cursor) } : {}),
    limit: limit + 1,
  })) as Disqualification[];
  return toPage(
    rows,
    limit,
    (row) => encodeCursor(list, row.occurredAt, row.id),
    (row) => row,
  );
}

function isoBound(name: string, value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`${name} must be an ISO-8601 date or time`);
  return new Date(ms).toISOString();
}
