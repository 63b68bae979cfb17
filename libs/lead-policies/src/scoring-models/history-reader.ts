import { LEAD_STREAM_PREFIX, isLeadEventType, type LeadEventMetadata, type LeadState } from '@lead/domain';
import { comparePositions, type EventStore, type Position, type RecordedEvent } from '@lead/event-store';
import { toLeadEvent } from '@lead/lifecycle';
import { emptyHistory, foldHistory, type LeadHistory } from './lead-history';

export interface ReadProgress {
  /** Events read so far. */
  events: number;
  position: Position;
  /** The log's last position when reading started (for a progress bar). */
  head: Position | null;
}

const PAGE = 2000;

/** The business time of a stored event (imports set it in the past), else when it was recorded. */
export const occurredAtOf = (e: RecordedEvent): string =>
  String((e.metadata as Partial<LeadEventMetadata>).occurredAt ?? e.recordedAt.toISOString());

/**
 * Replays the whole log once and folds every lead stream into a LeadHistory: the input of training
 * and backtests. Memory holds one folded history per lead, not the events.
 */
export async function readLeadHistories(store: EventStore, onProgress?: (p: ReadProgress) => void): Promise<LeadHistory[]> {
  const head = await store.headPosition();
  const histories = new Map<string, LeadHistory & { state: LeadState }>();
  let from: Position | undefined;
  let lastId: string | undefined;
  let events = 0;
  for (;;) {
    const page = await store.readAll({ ...(from ? { fromPosition: from } : {}), maxCount: PAGE + 1 });
    // Forwards reads are inclusive: the first event of a page may be the last of the one before.
    const fresh = page.filter((e, i) => !(i === 0 && e.id === lastId));
    for (const e of fresh) {
      events++;
      if (!e.streamId.startsWith(LEAD_STREAM_PREFIX) || !isLeadEventType(e.type)) continue;
      const leadId = e.streamId.slice(LEAD_STREAM_PREFIX.length);
      histories.set(
        leadId,
        foldHistory(histories.get(leadId) ?? emptyHistory(leadId), { event: toLeadEvent(e), occurredAt: occurredAtOf(e) }),
      );
    }
    const last = page.at(-1);
    if (last) onProgress?.({ events, position: last.position, head });
    if (!last || fresh.length === 0 || page.length <= PAGE || (head && comparePositions(last.position, head) >= 0)) break;
    from = last.position;
    lastId = last.id;
  }
  return [...histories.values()].map(({ state: _, ...h }) => h);
}
