/**
 * The event store port, modelled on EventStoreDB's semantics so that each adapter
 * (embedded SQLite, EventStoreDB) is a thin mapping.
 *
 * Revisions and positions are bigint end to end: EventStoreDB uses 64-bit unsigned
 * numbers and a JS number would silently lose precision past 2^53.
 */

/** What the writer expects the stream to look like when its events are appended. */
export type ExpectedRevision = 'no_stream' | 'any' | 'stream_exists' | bigint;

/** A point in the global log. EventStoreDB has separate commit and prepare positions; the embedded store sets both to its sequence. */
export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export type EventMetadata = Record<string, unknown>;

export interface EventToAppend {
  /** A UUID chosen by the writer; appending the same ids again at the same expected revision is a no-op. */
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

export interface RecordedEvent {
  readonly id: string;
  readonly streamId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  /** 0-based position of the event in its stream. */
  readonly revision: bigint;
  /** Position in the global log ($all). */
  readonly position: Position;
  /** When the store recorded the event (not the business time, which travels in metadata). */
  readonly recordedAt: Date;
}

export interface AppendResult {
  /** Revision of the last event now in the stream. */
  readonly nextExpectedRevision: bigint;
  /** Global position of the last appended event. */
  readonly position: Position;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  readonly direction?: Direction;
  /** Inclusive. Defaults to the start (forwards) or the end (backwards). */
  readonly fromRevision?: bigint;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  readonly direction?: Direction;
  /** Forwards: inclusive; backwards: exclusive, as in EventStoreDB. Defaults to start / end. */
  readonly fromPosition?: Position;
  readonly maxCount?: number;
}

export interface SubscribeToAllOptions {
  /** Exclusive: the subscription delivers events after this position. Absent: from the start. */
  readonly fromPosition?: Position;
  /** Called once when the catch-up phase ends and the subscription goes live. */
  readonly onCaughtUp?: () => void;
}

/**
 * A subscription to $all: catch-up from a position, then live. Iterating it pulls events;
 * a consumer that stops pulling applies backpressure instead of making the adapter buffer without bound.
 */
export interface AllSubscription extends AsyncIterable<RecordedEvent> {
  /** Stops the subscription; a pending iteration ends. */
  unsubscribe(): Promise<void>;
  /**
   * Optional: up to `maxCount` events that the adapter can hand out without waiting (already read, or
   * read synchronously), taken at once; an empty list when the next event has to be waited for.
   * The iterator does not return them again. Catch-up over millions of events then costs a call per
   * page instead of a promise per event.
   */
  takeAvailable?(maxCount: number): RecordedEvent[];
  /**
   * Optional: true while events the store already holds are being read for this subscription off the
   * calling thread, so that more are certain to come without waiting for new appends: a consumer that
   * batches until the log is drained should keep waiting for them. It turns false when the last of
   * them is handed out, never while the subscription waits.
   */
  readingAhead?(): boolean;
}

/**
 * Optional capabilities: what differs between stores is stated by the store, so a consumer (the
 * projection runner, the policy reactor) depends on the port alone and never on an adapter's class.
 * Per subscription, the same holds for AllSubscription.takeAvailable (page taking) and readingAhead.
 */
export interface EventStoreCapabilities {
  /**
   * Global positions are consecutive integers (commit = prepare, no gaps for the engine's events), so
   * the number of events between two positions is their difference: lag needs no counting read.
   */
  readonly densePositions?: boolean;
}

export interface EventStore {
  /** Optional: absent means none of the capabilities. A decorator around a store passes its inner store's on. */
  readonly capabilities?: EventStoreCapabilities;

  /**
   * Appends events atomically to one stream.
   * @throws WrongExpectedRevisionError when expectedRevision does not hold.
   * @throws StreamDeletedError when the stream was deleted.
   */
  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult>;

  /** Reads a stream; a stream that does not exist reads as an empty list. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /** Reads the global log in order. Only the engine's own events: system events are filtered out. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;

  /** Catch-up then live subscription to the global log. */
  subscribeToAll(options?: SubscribeToAllOptions): AllSubscription;

  /**
   * Optional: removes a stream, so that it reads as absent and can be started again with 'no_stream'.
   * Positions are never reused. Used by erasure for the contact claims of an erased lead.
   */
  deleteStream?(streamId: string): Promise<void>;

  /** Position of the last event in the global log, or null when it is empty. For lag reporting. */
  headPosition(): Promise<Position | null>;

  close(): Promise<void>;
}

export const START_POSITION: Position = Object.freeze({ commit: 0n, prepare: 0n });

export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export function formatPosition(p: Position): string {
  return p.commit === p.prepare ? p.commit.toString() : `${p.commit}/${p.prepare}`;
}

/** Parses "123" or "123/120" (commit/prepare) as written by formatPosition. */
export function parsePosition(text: string): Position {
  const m = /^(\d+)(?:\/(\d+))?$/.exec(text.trim());
  if (!m) throw new RangeError(`"${text}" is not a position (expected "<commit>" or "<commit>/<prepare>")`);
  const commit = BigInt(m[1]);
  return { commit, prepare: m[2] === undefined ? commit : BigInt(m[2]) };
}

/** Tells an EventStore instance (handed in by a host or a test) from a configuration describing one. */
export function isEventStore(x: unknown): x is EventStore {
  return typeof (x as EventStore | undefined)?.appendToStream === 'function';
}
