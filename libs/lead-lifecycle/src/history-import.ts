import {
  EVENT_SCHEMA_VERSION,
  LeadError,
  LeadValidationError,
  decide,
  evolve,
  initialLeadState,
  leadStreamId,
  type LeadCommand,
  type LeadEventMetadata,
  type LeadPolicy,
} from '@lead/domain';
import { WrongExpectedRevisionError, comparePositions, type EventStore, type EventToAppend } from '@lead/event-store';
import { deterministicUuid } from './deterministic-id';

/** One historical lead: every command it went through, in order, all on a new stream. */
export interface HistoricalLead {
  /** Where it came from (a line of the file), for the refusal report. */
  row: number;
  leadId: string;
  commands: readonly LeadCommand[];
}

export interface HistoricalRefusal {
  row: number;
  /** Dotted path of the refused field ("contact.email"), or empty for a rule of the lead. */
  field: string;
  message: string;
}

export interface HistoryImportResult {
  appended: number;
  /** Leads whose events were already in the store with the same ids (a re-run). */
  alreadyPresent: number;
  /** Leads whose stream exists with other events: left as they are. */
  conflicting: number;
  refused: HistoricalRefusal[];
}

/**
 * Appends historical leads in bulk: each lead's commands are decided in memory against the state
 * they build (the same decider and policy as live commands, so the same rules refuse the same
 * input), and its events go to its new stream in one append. Appends are issued a batch at a time
 * so that a store with group commit writes a batch per transaction. Event ids derive from the
 * command ids exactly as the command executor derives them, so a re-run (or a later live command
 * with the same id) appends nothing twice.
 *
 * No capture guard runs: history is taken as it was, duplicates included.
 */
export async function appendHistoricalLeads(
  store: EventStore,
  policy: LeadPolicy,
  leads: Iterable<HistoricalLead>,
  options: { batchSize?: number; onProgress?: (done: number) => void } = {},
): Promise<HistoryImportResult> {
  const result: HistoryImportResult = { appended: 0, alreadyPresent: 0, conflicting: 0, refused: [] };
  const batchSize = options.batchSize ?? 500;
  let done = 0;
  for (const chunk of chunks(leads, batchSize)) {
    const head = await store.headPosition();
    const batch = chunk.flatMap((lead) => {
      try {
        return [{ lead, events: eventsOf(lead, policy) }];
      } catch (error) {
        if (!(error instanceof LeadError)) throw error;
        const problems = error instanceof LeadValidationError ? error.problems : [{ field: '', message: error.message }];
        for (const p of problems) result.refused.push({ row: lead.row, field: p.field, message: p.message });
        return [];
      }
    });
    const outcomes = await Promise.allSettled(
      batch.map(({ lead, events }) => store.appendToStream(leadStreamId(lead.leadId), events, { expectedRevision: 'no_stream' })),
    );
    outcomes.forEach((o) => {
      if (o.status === 'rejected') {
        if (!(o.reason instanceof WrongExpectedRevisionError)) throw o.reason;
        result.conflicting++;
      } else if (head && comparePositions(o.value.position, head) <= 0) result.alreadyPresent++;
      else result.appended++;
    });
    done += chunk.length;
    options.onProgress?.(done);
  }
  return result;
}

/** Leads are taken a batch at a time, so that a large file is never held as commands all at once. */
function* chunks<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length) yield chunk;
}

function eventsOf(lead: HistoricalLead, policy: LeadPolicy): EventToAppend[] {
  let state = initialLeadState;
  const events: EventToAppend[] = [];
  for (const command of lead.commands) {
    decide(command, state, policy).forEach((event, index) => {
      state = evolve(state, event);
      const metadata: LeadEventMetadata = {
        eventId: deterministicUuid(`event:${command.commandId}:${index}`),
        commandId: command.commandId,
        correlationId: command.commandId,
        causationId: command.commandId,
        actor: command.actor,
        occurredAt: command.occurredAt.toISOString(),
        schemaVersion: EVENT_SCHEMA_VERSION,
      };
      events.push({ id: metadata.eventId, type: event.type, data: event.data, metadata });
    });
  }
  return events;
}
