import {
  isLeadEventType,
  LEAD_EVENT_TYPES,
  LEAD_STREAM_PREFIX,
  parseLeadEvent,
  storedSchemaVersion,
  type LeadEvent,
  type LeadEventType,
} from '@lead/domain';
import { formatPosition, type EventMetadata, type Position, type RecordedEvent } from '@lead/event-store';
import type { CollectionSpec } from '../read-store/read-store.port';
import type { ProjectionTx } from './projection-tx';

/** A lead event as projections see it: typed, with the metadata they use already normalised. */
export interface LeadEventEnvelope<E extends LeadEvent = LeadEvent> {
  readonly type: E['type'];
  readonly data: E['data'];
  readonly leadId: string;
  readonly streamId: string;
  readonly eventId: string;
  readonly revision: number;
  readonly position: Position;
  /** formatPosition(position), as stored in read models and answered by commands. */
  readonly positionText: string;
  /** Business time (metadata.occurredAt, or the recorded time for an event without one), as ISO-8601 UTC. */
  readonly occurredAt: string;
  /** The UTC day of occurredAt (YYYY-MM-DD). */
  readonly day: string;
  readonly actor: string | null;
  readonly metadata: EventMetadata;
  readonly recordedAt: Date;
}

/** One envelope type per event type, so that `switch (event.type)` narrows `event.data`. */
export type AnyLeadEventEnvelope = LeadEvent extends infer E ? (E extends LeadEvent ? LeadEventEnvelope<E> : never) : never;

export type DocVisitor = (collection: string, key: string) => void;

/**
 * A read model: which events it applies and how. `apply` is synchronous and pure over the documents
 * it reads through the transaction; the runner batches, reads ahead, commits and checkpoints.
 */
export interface ProjectionDefinition {
  /** Stable name: the checkpoint's key, the URL segment of its rebuild, the metrics label. */
  readonly name: string;
  /** Bump when the logic or the document shape changes: a read model built by another version is rebuilt at start. */
  readonly version: number;
  readonly collections: readonly CollectionSpec[];
  /** The lead event types it applies; other lead events are passed over (unknown types stop it). */
  readonly handles: ReadonlySet<LeadEventType>;
  /**
   * Names, by calling `read`, the documents apply() will get() for this event: they are fetched for a
   * whole chunk of events in one query per collection. (A callback rather than a returned list: this
   * runs for every event of a replay, and lists would be garbage to collect.)
   */
  reads(event: AnyLeadEventEnvelope, read: DocVisitor): void;
  /**
   * Names the documents apply() writes from scratch for this event, without reading them (a lead's
   * own documents at its LeadCaptured): later events of the chunk then need not fetch them.
   */
  creates?(event: AnyLeadEventEnvelope, create: DocVisitor): void;
  apply(event: AnyLeadEventEnvelope, tx: ProjectionTx): void;
}

/** The whole vocabulary, from the lifecycle table (which a new event type must join to compile). */
export const ALL_LEAD_EVENT_TYPES: ReadonlySet<LeadEventType> = new Set(LEAD_EVENT_TYPES);

/** A stored event in a lead stream that cannot be read as a lead event. */
export interface UndecodableEvent {
  readonly undecodable: true;
  readonly type: string;
  /** True when the type is not in the vocabulary: no projection can tell whether it should apply it. */
  readonly unknownType: boolean;
  readonly message: string;
}

export function isUndecodable(e: AnyLeadEventEnvelope | UndecodableEvent | null): e is UndecodableEvent {
  return e !== null && (e as UndecodableEvent).undecodable === true;
}

/**
 * Turns a stored event into an envelope: null for events of other streams (projections ignore them),
 * an UndecodableEvent for a lead-stream event that cannot be read.
 */
export function decodeLeadEvent(recorded: RecordedEvent): AnyLeadEventEnvelope | UndecodableEvent | null {
  if (!recorded.streamId.startsWith(LEAD_STREAM_PREFIX)) return null;
  const type = recorded.type;
  if (!isLeadEventType(type)) return { undecodable: true, type, unknownType: true, message: `"${type}" is not a lead event type` };
  try {
    const metadata = recorded.metadata ?? {};
    const event = parseLeadEvent(type, recorded.data, storedSchemaVersion(metadata));
    const occurredAt = businessTime(metadata.occurredAt, recorded.recordedAt);
    return {
      type,
      data: event.data,
      leadId: leadIdOf(recorded.streamId, event.data),
      streamId: recorded.streamId,
      eventId: recorded.id,
      revision: Number(recorded.revision),
      position: recorded.position,
      positionText: formatPosition(recorded.position),
      occurredAt,
      day: occurredAt.slice(0, 10),
      actor: typeof metadata.actor === 'string' ? metadata.actor : null,
      metadata,
      recordedAt: recorded.recordedAt,
    } as AnyLeadEventEnvelope;
  } catch (error) {
    return { undecodable: true, type, unknownType: false, message: (error as Error).message };
  }
}

/**
 * The lead id of a lead stream. The event's own data.leadId when it names the same lead: a string of
 * its own, where a slice of the stream id is a view that every map lookup keyed by it pays for
 * (hashing and comparing a sliced string is about three times slower).
 */
function leadIdOf(streamId: string, data: { leadId?: unknown }): string {
  const own = data.leadId;
  if (typeof own === 'string' && streamId.length === LEAD_STREAM_PREFIX.length + own.length && streamId.endsWith(own)) return own;
  return streamId.slice(LEAD_STREAM_PREFIX.length);
}

/** An ISO-8601 time in the form read models store and compare (UTC, milliseconds), or null when it cannot be read. */
export function isoTime(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  if (CANONICAL_TIME.test(value)) return value;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** UTC ISO-8601 with milliseconds and fields in range (a day past the month's end is the one thing it lets through). */
const CANONICAL_TIME = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

function businessTime(occurredAt: unknown, recordedAt: Date): string {
  // Events written without a business time happened when they were recorded.
  if (occurredAt === undefined || occurredAt === null) return recordedAt.toISOString();
  // Already in UTC ISO form (what the engine writes): keep it, read models compare these strings.
  if (typeof occurredAt === 'string' && CANONICAL_TIME.test(occurredAt)) return occurredAt;
  const ms = typeof occurredAt === 'string' ? Date.parse(occurredAt) : NaN;
  if (Number.isNaN(ms)) throw new Error(`metadata.occurredAt ${JSON.stringify(occurredAt)} is not an ISO-8601 time`);
  return new Date(ms).toISOString();
}
