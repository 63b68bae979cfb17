import { Inject, Injectable } from '@nestjs/common';
import {
  LeadNotFoundError,
  evolve,
  initialLeadState,
  leadStreamId,
  parseLeadEvent,
  storedSchemaVersion,
  type LeadEvent,
  type LeadEventMetadata,
  type LeadState,
} from '@lead/domain';
import { EVENT_STORE, formatPosition, type EventStore, type RecordedEvent } from '@lead/event-store';
import { actorKindOf } from './lead-command.message';

export interface LoadedLead {
  state: LeadState;
  /** Revision of the last event, null when the stream does not exist. */
  revision: bigint | null;
  position: string | null;
  /** The first result of a command already handled on this stream, if any. */
  resultOf(commandId: string): { revision: number; position: string; events: string[]; requestHash?: string } | null;
}

export interface HistoryEntry {
  revision: number;
  position: string;
  type: string;
  data: unknown;
  metadata: LeadEventMetadata;
  /** Business time (metadata.occurredAt). */
  occurredAt: string;
  /** When the store recorded the event. */
  recordedAt: string;
  /** Who did this step: the actor, its kind, the person a service acted for; for a policy, its rule and model version. */
  by: Attribution;
}

export interface Attribution {
  actor: string;
  actorKind: string;
  onBehalfOf?: string;
  rule?: string;
  modelVersion?: string;
}

/** The answer to "who did this, and by which rule": read from the metadata and, for automatic steps, the event data. */
export function attributionOf(data: unknown, metadata: Partial<LeadEventMetadata>): Attribution {
  const actor = String(metadata.actor ?? 'unknown');
  const d = (data ?? {}) as { rule?: unknown; modelVersion?: unknown; facts?: { scoringModelVersion?: unknown } };
  const modelVersion = d.modelVersion ?? d.facts?.scoringModelVersion;
  return {
    actor,
    actorKind: metadata.actorKind ?? actorKindOf(actor) ?? 'unknown',
    ...(metadata.onBehalfOf ? { onBehalfOf: metadata.onBehalfOf } : {}),
    ...(typeof d.rule === 'string' ? { rule: d.rule } : {}),
    ...(typeof modelVersion === 'string' ? { modelVersion } : {}),
  };
}

/** Reads a lead's stream and folds it; the stream is the persistence model, no repository in between. */
@Injectable()
export class LeadReader {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async load(leadId: string): Promise<LoadedLead> {
    const recorded = await this.store.readStream(leadStreamId(leadId));
    let state: LeadState = initialLeadState;
    for (const e of recorded) state = evolve(state, toLeadEvent(e));
    const last = recorded.at(-1);
    return {
      state,
      revision: last ? last.revision : null,
      position: last ? formatPosition(last.position) : null,
      resultOf(commandId) {
        const own = recorded.filter((e) => (e.metadata as Partial<LeadEventMetadata>).commandId === commandId);
        const lastOwn = own.at(-1);
        if (!lastOwn) return null;
        const { requestHash } = own[0].metadata as Partial<LeadEventMetadata>;
        return {
          revision: Number(lastOwn.revision),
          position: formatPosition(lastOwn.position),
          events: own.map((e) => e.type),
          ...(requestHash ? { requestHash } : {}),
        };
      },
    };
  }

  async state(leadId: string): Promise<{ state: LeadState; revision: number; position: string }> {
    const lead = await this.load(leadId);
    if (lead.state.status === 'none') throw new LeadNotFoundError(leadId);
    return { state: lead.state, revision: Number(lead.revision), position: lead.position! };
  }

  async history(leadId: string): Promise<HistoryEntry[]> {
    const recorded = await this.store.readStream(leadStreamId(leadId));
    if (recorded.length === 0) throw new LeadNotFoundError(leadId);
    return recorded.map((e) => ({
      revision: Number(e.revision),
      position: formatPosition(e.position),
      type: e.type,
      data: e.data,
      metadata: e.metadata as unknown as LeadEventMetadata,
      occurredAt: String((e.metadata as Partial<LeadEventMetadata>).occurredAt ?? e.recordedAt.toISOString()),
      recordedAt: e.recordedAt.toISOString(),
      by: attributionOf(e.data, e.metadata as Partial<LeadEventMetadata>),
    }));
  }
}

export function toLeadEvent(e: RecordedEvent): LeadEvent {
  return parseLeadEvent(e.type, e.data, storedSchemaVersion(e.metadata));
}
