import { formatPosition, type RecordedEvent } from '@lead/event-store';
import type { ProjectionCommit, ReadStore } from '../read-store/read-store.port';
import { decodeLeadEvent, isUndecodable, type AnyLeadEventEnvelope, type ProjectionDefinition, type UndecodableEvent } from './projection';
import type { ProjectionFailure } from './projection-errors';
import { ProjectionTx } from './projection-tx';

/** What a window needs of a projection the runner runs. */
export interface WindowMember {
  readonly def: ProjectionDefinition;
}

export interface WindowWork<M extends WindowMember = WindowMember> {
  readonly member: M;
  tx: ProjectionTx;
  /** Events of the window this projection has taken into account. */
  applied: number;
  /** The last of them: its checkpoint. */
  last?: RecordedEvent;
  /** Why it stopped: it applied every event before that one. */
  failure?: ProjectionFailure;
  /** Set by seal(): what it writes. */
  commit?: ProjectionCommit;
}

/**
 * - `open`: the chunk is applied, more may follow;
 * - `failed`: a projection failed in the window's first chunk, and its unit of work now holds the
 *   events before the failing one: seal the window now;
 * - `split`: a projection failed past the first chunk, where its unit of work already holds earlier
 *   chunks and cannot be cut back to the failing event: drop the window and replay it one chunk per window.
 */
export type ChunkOutcome = 'open' | 'failed' | 'split';

type Decoded = AnyLeadEventEnvelope | UndecodableEvent | null;

/** The window before this one, sealed and still committing. */
export interface InFlight<M extends WindowMember = WindowMember> {
  /** Absent: do not take documents from it, read them once it is committed. */
  readonly window?: ProjectionWindow<M>;
  readonly committed: Promise<void>;
}

/**
 * One commit's worth of a lane's work: chunks of events are decoded, read ahead and applied to each
 * projection's unit of work as they arrive and are then dropped, so the events in memory are one
 * chunk's while a window holds only the documents it changed. A lead's documents touched by several
 * chunks are written once, which is what makes large windows pay: a catch-up writes fewer rows.
 */
export class ProjectionWindow<M extends WindowMember = WindowMember> {
  readonly works: WindowWork<M>[];
  events = 0;
  chunks = 0;
  last: RecordedEvent | undefined;

  constructor(
    members: Iterable<M>,
    private readonly readStore: Pick<ReadStore, 'getMany'>,
  ) {
    this.works = [...members].map((member) => ({ member, tx: new ProjectionTx(), applied: 0 }));
  }

  /**
   * Applies a chunk to every projection still going. `previous` is the window still committing (the
   * one before it is committed): a document it changed is taken from it, any other is read from the
   * store at once, and only one it updated blindly waits for its commit.
   */
  async apply(events: readonly RecordedEvent[], previous: InFlight<M> | null): Promise<ChunkOutcome> {
    const works = this.works.filter((w) => !w.failure);
    const decoded: Decoded[] = events.map(decodeLeadEvent);
    await readAhead(this.readStore, works, decoded, decoded.length, previous);
    let outcome: ChunkOutcome = 'open';
    for (const work of works) {
      const failedAt = applyChunk(work, decoded, events);
      if (failedAt < 0) continue;
      if (this.chunks > 0) return 'split';
      outcome = 'failed';
      // The events before the failing one are applied again to a fresh unit of work.
      work.tx = new ProjectionTx();
      if (failedAt > 0) {
        // From the store, not from the previous window: the failed attempt may have changed its documents.
        await readAhead(this.readStore, [work], decoded, failedAt, previous && { committed: previous.committed });
        applyChunk(work, decoded, events, failedAt);
      }
      work.applied = failedAt;
      work.last = failedAt > 0 ? events[failedAt - 1] : undefined;
    }
    for (const work of works) {
      if (work.failure) continue;
      work.applied += events.length;
      work.last = events[events.length - 1];
    }
    this.events += events.length;
    this.chunks++;
    this.last = events[events.length - 1];
    return outcome;
  }

  /**
   * Ends the window: each projection's writes with the checkpoint it reaches. The next window takes
   * the documents this one wrote from it, before the commit is done; after a failed commit the lane
   * resumes from the stored checkpoints.
   */
  seal(): WindowWork<M>[] {
    for (const work of this.works) {
      const { member, last } = work;
      if (!last) continue;
      work.commit = {
        projection: member.def.name,
        ops: work.tx.ops(),
        checkpoint: { position: last.position, recordedAt: last.recordedAt.getTime(), version: member.def.version },
      };
    }
    return this.works;
  }
}

/** Applies events [0, end) of a chunk to one projection; the index of the first it cannot apply, or -1. */
function applyChunk(work: WindowWork, decoded: readonly Decoded[], events: readonly RecordedEvent[], end = decoded.length): number {
  const { def } = work.member;
  for (let i = 0; i < end; i++) {
    const event = decoded[i];
    if (event === null) continue;
    if (isUndecodable(event)) {
      if (event.unknownType || def.handles.has(event.type as never)) return fail(work, events[i], event.message, i);
      continue;
    }
    if (!def.handles.has(event.type)) continue;
    try {
      def.apply(event, work.tx);
    } catch (error) {
      return fail(work, events[i], error instanceof Error ? error.message : String(error), i);
    }
  }
  return -1;
}

function fail(work: WindowWork, event: RecordedEvent, message: string, index: number): number {
  work.failure = failureAt(event, message);
  return index;
}

function failureAt(event: RecordedEvent, message: string): ProjectionFailure {
  return {
    message,
    eventType: event.type,
    streamId: event.streamId,
    position: formatPosition(event.position),
    eventId: event.id,
    at: new Date().toISOString(),
  };
}

/** Fetches, per collection and in one query, every document the chunk's events will read that the window does not hold yet. */
async function readAhead<M extends WindowMember>(
  readStore: Pick<ReadStore, 'getMany'>,
  works: readonly WindowWork<M>[],
  decoded: readonly Decoded[],
  end: number,
  previous: InFlight<M> | null,
): Promise<void> {
  const wanted = new Map<string, { tx: ProjectionTx; keys: Set<string> }>();
  // Without the previous window's documents at hand, whatever it may have written is read once it is committed.
  let waitForPrevious = previous !== null && !previous.window;
  for (const work of works) {
    const { def } = work.member;
    const { tx } = work;
    const before = previous?.window?.works.find((w) => w.member === work.member)?.tx;
    const created = new Map<string, Set<string>>();
    const create = (collection: string, key: string) => {
      let keys = created.get(collection);
      if (!keys) created.set(collection, (keys = new Set()));
      keys.add(key);
    };
    const read = (collection: string, key: string) => {
      // Written from scratch earlier in this chunk, or already in the window: apply() finds it there.
      if (tx.knows(collection, key) || created.get(collection)?.has(key)) return;
      const state = before?.stateOf(collection, key);
      if (state === 'blind') waitForPrevious = true;
      else if (state !== undefined) return tx.preload(collection, key, state);
      let entry = wanted.get(collection);
      if (!entry) wanted.set(collection, (entry = { tx, keys: new Set() }));
      entry.keys.add(key);
    };
    for (let i = 0; i < end; i++) {
      const event = decoded[i];
      if (event === null || isUndecodable(event) || !def.handles.has(event.type)) continue;
      def.creates?.(event, create);
      def.reads(event, read);
    }
  }
  // The store has every window before the previous one; the previous one's blind updates only once it is committed.
  if (waitForPrevious) await previous!.committed;
  for (const [collection, { tx, keys }] of wanted) {
    const list = [...keys];
    const docs = await readStore.getMany(collection, list);
    for (const key of list) tx.preload(collection, key, docs.get(key) ?? null);
  }
}
