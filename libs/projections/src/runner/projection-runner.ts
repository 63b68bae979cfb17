import { Logger } from '@nestjs/common';
import { comparePositions, formatPosition, START_POSITION, type EventStore, type Position, type RecordedEvent } from '@lead/event-store';
import type { ReadStore } from '../read-store/read-store.port';
import type { ProjectionDefinition } from './projection';
import {
  ProjectionApplyError,
  ProjectionLagTimeoutError,
  ProjectionStoppedError,
  UnknownProjectionError,
  type ProjectionFailure,
} from './projection-errors';
import { Lane, type LaneHost, type LaneMember } from './projection-lane';
import { ProjectionWindow, type ChunkOutcome, type InFlight, type WindowWork } from './projection-window';
import { projectionMetrics } from './projection.metrics';
import type { ProjectionState, ProjectionStatus } from './projection-status';

export type { ProjectionState, ProjectionStatus } from './projection-status';

export interface RunnerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ProjectionRunnerOptions {
  /**
   * Events committed at once during catch-up at most (a window; live windows end as soon as the log
   * has no more). Default 100,000: a lead's documents touched by several events of a window are written
   * once, so larger windows write fewer rows (100,000 made catch-up ~10% faster than 50,000; 150,000 did
   * not, its last window committing with nothing left to overlap). Events are applied in chunks and then
   * dropped, so memory holds a chunk's events and the documents two windows change, not the window's events.
   */
  readonly maxBatchSize?: number;
  /**
   * Events decoded, read ahead and applied at once. Default 500 (at most maxBatchSize): a chunk is alive
   * while it is applied, and every young-generation collection meanwhile copies it; larger chunks cost
   * more in collections than they save in read-ahead queries.
   */
  readonly chunkSize?: number;
  /** Whether positions are consecutive integers, so lag is a difference. Default: the store's densePositions capability. */
  readonly densePositions?: boolean;
  /** Where eventsBehind stops counting when positions are not dense. Default 10,000. */
  readonly eventsBehindCountCap?: number;
  /** Backoff between retries after an event store or read store failure. Default 250 ms doubling up to 30 s. */
  readonly retryDelayMs?: { readonly min: number; readonly max: number };
  readonly logger?: RunnerLogger;
  /** Called after each committed window (progress reporting, tests). */
  readonly onCommit?: (commit: { projections: readonly string[]; position: Position; events: number }) => void;
}

interface Waiter {
  readonly position: Position;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** @internal A projection as the runner runs it. */
export interface Member extends LaneMember {
  readonly def: ProjectionDefinition;
  state: ProjectionState;
  checkpoint: Position | null;
  recordedAt: number | null;
  failure?: ProjectionFailure;
  retry?: { attempts: number; error: string; since: string };
  lane?: Lane<Member>;
  /** Its read model was reset with secondary indexes left out: they are built as it nears the head (see buildIndexesNearHead). */
  indexesPending: boolean;
  readonly waiters: Set<Waiter>;
  /** Serialises rebuilds of this projection. */
  exclusive: Promise<unknown>;
}

const defaultLogger: RunnerLogger = new Logger('Projections');

/**
 * Runs projections against the event store.
 *
 * Each projection has its own checkpoint, stored by the read store in the same transaction as the
 * projection's writes. Projections whose checkpoints are equal share one subscription (a lane), so
 * the log is read and parsed once for all of them; a projection being rebuilt gets a lane of its own.
 * Within a lane, events are applied in global order, chunk by chunk, to a window (see
 * ProjectionWindow): documents read ahead (from the window, the previous window, else one query per
 * collection), pure synchronous apply, and one atomic commit of the window's writes and checkpoints.
 * While a window commits, the next one is applied; commits stay in order, and checkpoints (and
 * waitForPosition) move only once a commit is done.
 *
 * A projection that meets an event it cannot apply commits everything before that event and stops
 * with an error naming the event; the others go on. Event store or read store failures are retried
 * from the checkpoint with backoff (the window was not committed, so nothing is lost or applied twice).
 */
export class ProjectionRunner implements LaneHost<Member> {
  private readonly members = new Map<string, Member>();
  private readonly lanes = new Set<Lane<Member>>();
  private readonly logger: RunnerLogger;
  /** @internal */ readonly maxBatchSize: number;
  /** @internal */ readonly chunkSize: number;
  /** @internal */ readonly retryDelayMs: { readonly min: number; readonly max: number };
  private readonly densePositions: boolean;
  private started = false;
  private starting: Promise<void> | null = null;

  constructor(
    /** @internal */ readonly store: EventStore,
    /** @internal */ readonly readStore: ReadStore,
    projections: readonly ProjectionDefinition[],
    /** @internal */ readonly options: ProjectionRunnerOptions = {},
  ) {
    const collections = new Set<string>();
    for (const def of projections) {
      if (this.members.has(def.name)) throw new RangeError(`Two projections are named "${def.name}"`);
      for (const c of def.collections) {
        if (collections.has(c.name)) throw new RangeError(`Collection "${c.name}" belongs to two projections`);
        collections.add(c.name);
      }
      this.members.set(def.name, {
        def,
        state: 'stopped',
        checkpoint: null,
        recordedAt: null,
        indexesPending: false,
        waiters: new Set(),
        exclusive: Promise.resolve(),
      });
    }
    this.logger = options.logger ?? defaultLogger;
    this.maxBatchSize = options.maxBatchSize ?? 100_000;
    this.chunkSize = options.chunkSize ?? 500;
    this.retryDelayMs = options.retryDelayMs ?? { min: 250, max: 30_000 };
    this.densePositions = options.densePositions ?? store.capabilities?.densePositions === true;
  }

  get names(): string[] {
    return [...this.members.keys()];
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** Loads checkpoints (rebuilding read models of another version) and starts following the log; catch-up runs in the background. */
  start(): Promise<void> {
    if (this.started) return this.starting ?? Promise.resolve();
    this.started = true;
    this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const groups = new Map<string, Member[]>();
    for (const member of this.members.values()) {
      const { def } = member;
      let checkpoint = await this.readStore.checkpoint(def.name);
      if (checkpoint === null || checkpoint.position === null || checkpoint.version !== def.version || checkpoint.resetting) {
        if (checkpoint?.resetting) this.logger.log(`Rebuilding "${def.name}": its last reset was interrupted`);
        else if (checkpoint && checkpoint.version !== def.version)
          this.logger.log(`Rebuilding "${def.name}": stored version ${checkpoint.version}, code version ${def.version}`);
        // From the start: replay without index maintenance, build the indexes once at the head.
        await this.readStore.reset(def.name, def.version, def.collections, { deferIndexes: true });
        member.indexesPending = true;
        checkpoint = { position: null, recordedAt: null, version: def.version };
      } else {
        await this.readStore.ensureCollections(def.collections);
        member.indexesPending = false;
      }
      member.checkpoint = checkpoint.position;
      member.recordedAt = checkpoint.recordedAt;
      member.failure = undefined;
      member.state = 'catching_up';
      const key = checkpoint.position ? formatPosition(checkpoint.position) : 'start';
      groups.set(key, [...(groups.get(key) ?? []), member]);
    }
    for (const group of groups.values()) this.startLane(group);
    projectionMetrics.track(this);
  }

  /** Stops every subscription after the commit in flight; waiting readers are told the projections stopped. */
  async stop(): Promise<void> {
    if (!this.started) return;
    await this.starting?.catch(() => undefined);
    this.started = false;
    this.starting = null;
    await Promise.all([...this.lanes].map((lane) => lane.stop()));
    projectionMetrics.untrack(this);
    for (const member of this.members.values()) {
      if (member.state !== 'stopped_with_error') member.state = 'stopped';
      this.rejectWaiters(member, new ProjectionStoppedError(member.def.name, 'the projection runner was stopped'));
    }
  }

  /**
   * Empties the projection's read model and checkpoint (one read store transaction) and replays the
   * log into it, while the others go on. Returns once the replay has started.
   */
  async rebuild(name: string): Promise<ProjectionStatus> {
    const member = this.member(name);
    const run = member.exclusive.then(async () => {
      await this.starting?.catch(() => undefined);
      if (member.lane) await member.lane.detach(member);
      const { def } = member;
      await this.readStore.reset(def.name, def.version, def.collections, { deferIndexes: true });
      member.indexesPending = true;
      member.checkpoint = null;
      member.recordedAt = null;
      member.failure = undefined;
      member.retry = undefined;
      this.logger.log(`Rebuilding "${def.name}" from the start of the log`);
      if (this.started) {
        member.state = 'catching_up';
        this.startLane([member]);
      } else {
        member.state = 'stopped';
      }
      return this.statusOf(name);
    });
    member.exclusive = run.catch(() => undefined);
    return await run;
  }

  /**
   * Resolves once every named projection (default: all) has applied the event at `position`; for
   * read-your-writes after a command that answered with that position.
   * @throws ProjectionLagTimeoutError when that takes longer than timeoutMs
   * @throws ProjectionStoppedError when a projection is stopped (with an error, or not started)
   */
  async waitForPosition(position: Position, timeoutMs: number, names: readonly string[] = this.names): Promise<void> {
    await Promise.all(names.map((name) => this.waitForOne(this.member(name), position, timeoutMs)));
  }

  /**
   * Waits until every projection has applied the log as it is now and left catch-up (its indexes
   * built): for a CLI rebuild, tests and benchmarks. Projections stopped with an error do not hold it up.
   */
  async waitUntilCaughtUp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const head = await this.store.headPosition();
    const active = () => [...this.members.values()].filter((m) => m.state !== 'stopped_with_error').map((m) => m.def.name);
    if (head) await this.waitForPosition(head, timeoutMs, active());
    while ([...this.members.values()].some((m) => m.state === 'catching_up')) {
      if (Date.now() > deadline) throw new Error(`Projections still catching up after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  checkpointOf(name: string): Position | null {
    return this.member(name).checkpoint;
  }

  async status(): Promise<ProjectionStatus[]> {
    const head = await this.head();
    return Promise.all([...this.members.values()].map((m) => this.describe(m, head)));
  }

  async statusOf(name: string): Promise<ProjectionStatus> {
    return this.describe(this.member(name), await this.head());
  }

  // ---------------------------------------------------------------- internals used by lanes

  /** @internal A window over the lane's projections as they are now. */
  openWindow(lane: Lane<Member>): ProjectionWindow<Member> {
    return new ProjectionWindow([...lane.members], this.readStore);
  }

  /** @internal Applies a chunk of events to a window (see ProjectionWindow.apply). */
  async applyChunk(
    lane: Lane<Member>,
    window: ProjectionWindow<Member>,
    events: readonly RecordedEvent[],
    previous: InFlight<Member> | null,
  ): Promise<ChunkOutcome> {
    const outcome = await window.apply(events, previous);
    // A projection that failed leaves the lane now, so that the next window, built while this one
    // commits, does not include it.
    if (outcome === 'failed') for (const work of window.works) if (work.failure) lane.members.delete(work.member);
    return outcome;
  }

  /** @internal Writes a sealed window atomically, then moves checkpoints, wakes readers and stops failed projections. */
  async commitWindow(
    lane: Lane<Member>,
    sealed: readonly WindowWork<Member>[],
    window: { events: number; last: RecordedEvent },
  ): Promise<void> {
    // A projection detached meanwhile (a rebuild) is left out: its read model is being reset.
    const works = sealed.filter((w) => w.member.lane === lane);
    const commits = works.flatMap((w) => (w.commit ? [w.commit] : []));
    if (commits.length > 0) {
      try {
        await this.readStore.commit(commits);
      } catch (error) {
        for (const work of works) {
          // Taken out of the lane for the failure found while applying: it is found again on the retry.
          if (work.failure) lane.members.add(work.member);
        }
        throw error;
      }
    }
    for (const work of works) {
      const { member, last } = work;
      if (last) {
        member.checkpoint = last.position;
        member.recordedAt = last.recordedAt.getTime();
        member.retry = undefined;
        projectionMetrics.committed(member.def.name, work.applied);
        this.resolveWaiters(member);
      }
      if (work.failure) {
        member.state = 'stopped_with_error';
        member.failure = work.failure;
        member.lane = undefined;
        const error = new ProjectionApplyError(member.def.name, work.failure);
        this.logger.error(error.message);
        this.rejectWaiters(member, new ProjectionStoppedError(member.def.name, error.message));
      }
    }
    if (commits.length > 0)
      this.options.onCommit?.({ projections: commits.map((c) => c.projection), position: window.last.position, events: window.events });
  }

  /**
   * @internal The lane starts again from the stored checkpoints: a window was dropped to be replayed in
   * smaller ones, or a failure is retried. A window applied meanwhile may have taken a projection out
   * for a failure of its own: it is back in the lane.
   */
  laneRestarting(lane: Lane<Member>): void {
    for (const member of this.members.values()) if (member.lane === lane && member.state !== 'stopped_with_error') lane.members.add(member);
  }

  /** @internal */
  laneRetrying(lane: Lane<Member>, attempts: number, error: unknown): void {
    this.laneRestarting(lane);
    const message = error instanceof Error ? error.message : String(error);
    for (const member of lane.members) member.retry = { attempts, error: message, since: member.retry?.since ?? new Date().toISOString() };
    this.logger.warn(
      `Projections ${[...lane.members].map((m) => `"${m.def.name}"`).join(', ')}: ${message}; retrying from the checkpoint (attempt ${attempts})`,
    );
  }

  /** @internal The lane reached the head: indexes left out by a reset are built, then the projections count as running. */
  async laneRunning(lane: Lane<Member>): Promise<void> {
    const members = [...lane.members];
    await this.buildIndexes(members);
    for (const member of members) if (member.state === 'catching_up' && lane.members.has(member)) member.state = 'running';
  }

  /**
   * @internal Called as a window opens at `from`. Once the head is less than a window and a half away,
   * the indexes a rebuild left out are built now, in the writer, while the main thread applies the
   * last windows, rather than after them (the few commits left maintain them). Only where positions
   * count events, so that the distance is known.
   */
  async buildIndexesNearHead(lane: Lane<Member>, from: Position): Promise<void> {
    if (!this.densePositions || ![...lane.members].some((m) => m.indexesPending)) return;
    const head = await this.store.headPosition();
    if (head && head.commit - from.commit < BigInt(Math.ceil(this.maxBatchSize * 1.5))) await this.buildIndexes([...lane.members]);
  }

  private async buildIndexes(members: readonly Member[]): Promise<void> {
    try {
      for (const member of members) {
        if (!member.indexesPending) continue;
        await this.readStore.ensureCollections(member.def.collections);
        member.indexesPending = false;
      }
    } catch (error) {
      // Queries still answer without the indexes; the next commit at the head tries again.
      this.logger.warn(`Building the read model indexes failed: ${(error as Error).message}; retrying after the next commit`);
    }
  }

  /** @internal */
  laneStopped(lane: Lane<Member>): void {
    this.lanes.delete(lane);
  }

  // ---------------------------------------------------------------- private

  private startLane(members: Member[]): void {
    const lane = new Lane(this, members);
    for (const member of members) member.lane = lane;
    this.lanes.add(lane);
    lane.start();
  }

  private member(name: string): Member {
    const member = this.members.get(name);
    if (!member) throw new UnknownProjectionError(name, this.names);
    return member;
  }

  private waitForOne(member: Member, position: Position, timeoutMs: number): Promise<void> {
    if (member.checkpoint !== null && comparePositions(member.checkpoint, position) >= 0) return Promise.resolve();
    if (member.state === 'stopped_with_error')
      return Promise.reject(new ProjectionStoppedError(member.def.name, member.failure?.message ?? 'it failed'));
    if (member.state === 'stopped')
      return Promise.reject(new ProjectionStoppedError(member.def.name, 'the projection runner is not started'));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        member.waiters.delete(waiter);
        reject(new ProjectionLagTimeoutError(member.def.name, position, member.checkpoint, timeoutMs));
      }, timeoutMs);
      timer.unref?.();
      const waiter: Waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      member.waiters.add(waiter);
    });
  }

  private resolveWaiters(member: Member): void {
    if (member.waiters.size === 0 || member.checkpoint === null) return;
    for (const waiter of [...member.waiters]) {
      if (comparePositions(member.checkpoint, waiter.position) >= 0) {
        member.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  private rejectWaiters(member: Member, error: Error): void {
    for (const waiter of [...member.waiters]) {
      member.waiters.delete(waiter);
      waiter.reject(error);
    }
  }

  private async head(): Promise<{ position: Position | null; recordedAt: number | null }> {
    const position = await this.store.headPosition();
    if (position === null) return { position: null, recordedAt: null };
    const [last] = await this.store.readAll({ direction: 'backwards', maxCount: 1 });
    return { position, recordedAt: last ? last.recordedAt.getTime() : null };
  }

  private async describe(member: Member, head: { position: Position | null; recordedAt: number | null }): Promise<ProjectionStatus> {
    const { def, checkpoint } = member;
    let eventsBehind = 0;
    let capped = false;
    let secondsBehind = 0;
    if (head.position !== null && (checkpoint === null || comparePositions(checkpoint, head.position) < 0)) {
      if (this.densePositions) {
        eventsBehind = Number(head.position.commit - (checkpoint?.commit ?? 0n));
      } else {
        const cap = this.options.eventsBehindCountCap ?? 10_000;
        const after = await this.store.readAll({ fromPosition: checkpoint ?? START_POSITION, maxCount: cap + 1 });
        eventsBehind = after.filter((e) => checkpoint === null || comparePositions(e.position, checkpoint) > 0).length;
        if (eventsBehind > cap) {
          eventsBehind = cap;
          capped = true;
        }
      }
      let lastApplied = member.recordedAt;
      if (lastApplied === null) {
        // Nothing applied yet: behind by the whole span of the log.
        const [first] = await this.store.readAll({ maxCount: 1 });
        lastApplied = first ? first.recordedAt.getTime() : null;
      }
      if (head.recordedAt !== null && lastApplied !== null) secondsBehind = Math.max(0, (head.recordedAt - lastApplied) / 1000);
    }
    return {
      name: def.name,
      version: def.version,
      state: member.state,
      checkpoint: checkpoint ? formatPosition(checkpoint) : null,
      headPosition: head.position ? formatPosition(head.position) : null,
      eventsBehind,
      ...(capped ? { eventsBehindCapped: true as const } : {}),
      secondsBehind,
      lastAppliedRecordedAt: member.recordedAt === null ? null : new Date(member.recordedAt).toISOString(),
      ...(member.failure ? { error: member.failure } : {}),
      ...(member.retry ? { retry: { ...member.retry } } : {}),
    };
  }
}
