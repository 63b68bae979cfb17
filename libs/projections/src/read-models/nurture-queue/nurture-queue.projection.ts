/**
 * Nurture queue: the leads that are in nurture now, one row each.
 *
 * A lead enters with SentToNurture (also the one that follows a SaleLost with a remaining need) and
 * its row holds that event's `track` (nurture | content), `reason`, `revisitAt` (null when none was
 * given) and `since` (its business time); being sent to nurture again replaces the row. The row goes
 * away with any event that moves the lead out of nurturing: LeadQualified, LeadReactivated (from
 * nurturing), Disqualified, HandedToSales, DuplicateMerged, PersonalDataErased.
 *
 * Query: by track; `dueAt` lists the leads to revisit at that time (revisitAt ≤ dueAt; leads without a
 * revisit date are never due); sorted by revisitAt ascending, leads without one last; paginated.
 */
import type { LeadEventType, NurtureTrack } from '@lead/domain';
import type { ReadStore } from '../../read-store/read-store.port';
import type { AnyLeadEventEnvelope, ProjectionDefinition } from '../../runner/projection';
import type { ProjectionTx } from '../../runner/projection-tx';
import { decodeCursor, encodeCursor, pageSize, toPage, type Page } from '../paging';

export const NURTURE_QUEUE = 'nurture_queue';

/** Sort key of a lead without a revisit date: after every real date. */
const NO_REVISIT = '9999-12-31T23:59:59.999Z';

export type NurtureQueueItem = {
  leadId: string;
  track: NurtureTrack;
  reason: string;
  revisitAt: string | null;
  since: string;
  revision: number;
  position: string;
};

type NurtureQueueDoc = NurtureQueueItem & { revisitSort: string };

/** The events that can move a lead out of nurturing (SaleWon and SaleLost only follow a hand-off). */
const LEAVES_NURTURE: readonly LeadEventType[] = [
  'LeadQualified',
  'LeadReactivated',
  'Disqualified',
  'HandedToSales',
  'DuplicateMerged',
  'PersonalDataErased',
];

export const nurtureQueueProjection: ProjectionDefinition = {
  name: 'nurture-queue',
  version: 1,
  collections: [
    {
      name: NURTURE_QUEUE,
      fields: { track: 'text', revisitSort: 'text' },
      indexes: [
        [['revisitSort', 1]],
        [
          ['track', 1],
          ['revisitSort', 1],
        ],
      ],
    },
  ],
  handles: new Set<LeadEventType>(['SentToNurture', ...LEAVES_NURTURE]),
  // Rows are replaced or deleted whole: nothing to read.
  reads: () => undefined,
  apply(event: AnyLeadEventEnvelope, tx: ProjectionTx): void {
    if (event.type !== 'SentToNurture') {
      // A reactivation says where from: only one from nurturing has a row to drop.
      if (event.type !== 'LeadReactivated' || event.data.previousStatus === 'nurturing') tx.delete(NURTURE_QUEUE, event.leadId);
      return;
    }
    const revisitAt = event.data.revisitAt ? new Date(event.data.revisitAt).toISOString() : null;
    const doc: NurtureQueueDoc = {
      leadId: event.leadId,
      track: event.data.track,
      reason: event.data.reason,
      revisitAt,
      since: event.occurredAt,
      revision: event.revision,
      position: event.positionText,
      revisitSort: revisitAt ?? NO_REVISIT,
    };
    tx.put(NURTURE_QUEUE, event.leadId, doc);
  },
};

export interface NurtureQueueQuery {
  readonly track?: NurtureTrack;
  /** ISO time: only leads whose revisitAt is at or before it. */
  readonly dueAt?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

export async function queryNurtureQueue(readStore: ReadStore, query: NurtureQueueQuery = {}): Promise<Page<NurtureQueueItem>> {
  const limit = pageSize(query.limit);
  const list = 'nurture-queue:revisitAt';
  const filter: Record<string, string | { lte: string }> = {};
  if (query.track !== undefined) filter.track = query.track;
  if (query.dueAt !== undefined) {
    const at = Date.parse(query.dueAt);
    if (Number.isNaN(at)) throw new RangeError('dueAt must be an ISO-8601 time');
    filter.revisitSort = { lte: new Date(at).toISOString() };
  }
  const rows = (await readStore.find(NURTURE_QUEUE, {
    filter,
    sort: { field: 'revisitSort', direction: 1 },
    ...(query.cursor ? { after: decodeCursor(list, query.cursor) } : {}),
    limit: limit + 1,
  })) as NurtureQueueDoc[];
  return toPage(
    rows,
    limit,
    (row) => encodeCursor(list, row.revisitSort, row.leadId),
    ({ revisitSort: _sort, ...item }) => item,
  );
}
