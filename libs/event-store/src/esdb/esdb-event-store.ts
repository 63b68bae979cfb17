import { checkExpectedRevision, expectationHolds } from '../expected-revision';
import {
  ANY,
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  NotLeaderError,
  START,
  STREAM_EXISTS,
  StreamDeletedError as EsdbStreamDeletedError,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type JSONType,
  type ReadPosition,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { EventStoreUnavailableError, StreamDeletedError, WrongExpectedRevisionError } from '../event-store.errors';
import {
  START_POSITION,
  comparePositions,
  formatPosition,
  type AllSubscription,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from '../event-store.port';

export interface EsdbLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface EsdbEventStoreOptions {
  /** Passed unchanged to the client: `esdb://host:2113?tls=false`, `esdb://a:2113,b:2113,c:2113?tls=true`, `esdb+discover://…`. */
  readonly connectionString: string;
  /** An append that has not completed by then fails with EventStoreUnavailableError. Default 10 000 ms. */
  readonly appendDeadlineMs?: number;
  /** Consecutive failed resubscriptions before a subscription gives up. Default 20. */
  readonly maxRetries?: number;
  /** First delay before resubscribing; doubles on every failed attempt. Default 100 ms. */
  readonly initialBackoffMs?: number;
  /** Cap of the resubscription delay. Default 5 000 ms. */
  readonly maxBackoffMs?: number;
  /** Where subscription drops and resumptions are reported. Default: the console. */
  readonly logger?: EsdbLogger;
}

const CONTEXT = 'EsdbEventStore';

/** The default logger: plain console, so the adapter does not depend on NestJS. */
export const consoleEsdbLogger: EsdbLogger = {
  log: (message) => console.log(`[${CONTEXT}] ${message}`),
  warn: (message) => console.warn(`[${CONTEXT}] ${message}`),
  error: (message) => console.error(`[${CONTEXT}] ${message}`),
};

/**
 * Client 6.2.1's readAll takes no filter (it always asks for NoFilter), so reads of $all skip
 * system events here and page on until maxCount user events are found. Pages hold at least this many records.
 */
const MIN_PAGE_SIZE = 64;

// gRPC status codes, for errors the client passes through without converting them.
const GRPC_UNKNOWN = 2;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_ABORTED = 10;
const GRPC_INTERNAL = 13;
const GRPC_UNAVAILABLE = 14;
/** A server shutting down may reset live calls instead of closing them cleanly: worth a resubscription. */
const SUBSCRIPTION_RETRY_CODES = new Set([GRPC_UNKNOWN, GRPC_RESOURCE_EXHAUSTED, GRPC_ABORTED, GRPC_INTERNAL]);

type ClientRecordedEvent = NonNullable<ResolvedEvent['event']>;

function isSystemEvent(event: { readonly type: string; readonly streamId: string }): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

function toClientExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'no_stream':
      return NO_STREAM;
    case 'any':
      return ANY;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return expected;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The server answers a malformed id or an empty type with a BadRequest, after which a real node
 * sends a stray timeout for the same request that client 6.2.1 cannot route (it throws from an
 * event handler): such appends must not reach the server.
 */
function checkEvents(events: readonly EventToAppend[]): void {
  for (const e of events) {
    if (typeof e.id !== 'string' || !UUID.test(e.id))
      throw new TypeError(`Event id ${String(e.id)} is not a UUID; EventStoreDB requires one`);
    if (typeof e.type !== 'string' || e.type.length === 0) throw new TypeError(`Event ${e.id} has an empty type`);
  }
}

function isUnavailable(error: unknown): boolean {
  if (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof NotLeaderError ||
    error instanceof CancelledError
  ) {
    return true;
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED) return true;
  // Cluster discovery gives up with a plain Error.
  return error instanceof Error && /^Failed to discover after \d+ attempts/.test(error.message);
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

function toRecordedEvent(event: ClientRecordedEvent): RecordedEvent {
  if (!event.position) {
    // Servers before 22.6 leave positions out of stream reads; the port needs them.
    throw new Error(`EventStoreDB returned event ${event.id} of ${event.streamId} without a log position (server older than 22.6?)`);
  }
  const metadata = event.metadata;
  return {
    id: event.id,
    streamId: event.streamId,
    type: event.type,
    data: event.data,
    metadata:
      metadata !== null && typeof metadata === 'object' && !(metadata instanceof Uint8Array) && !Array.isArray(metadata)
        ? (metadata as EventMetadata)
        : {},
    revision: event.revision,
    position: { commit: event.position.commit, prepare: event.position.prepare },
    recordedAt: event.created,
  };
}

/**
 * The event store on EventStoreDB (gRPC, `@eventstore/db-client`). A thin mapping: the port was
 * modelled on EventStoreDB, so revisions, positions and expected-revision checks are the server's own.
 */
export class EsdbEventStore implements EventStore {
  /** The underlying client, for what the port does not cover (stream metadata, deletion, admin). */
  readonly client: EventStoreDBClient;
  private readonly appendDeadlineMs: number;
  private readonly logger: EsdbLogger;
  private readonly retry: { readonly maxRetries: number; readonly initialBackoffMs: number; readonly maxBackoffMs: number };
  private readonly subscriptions = new Set<EsdbAllSubscription>();
  private closed = false;

  constructor(options: EsdbEventStoreOptions) {
    this.client = EventStoreDBClient.connectionString(options.connectionString);
    this.appendDeadlineMs = options.appendDeadlineMs ?? 10_000;
    this.logger = options.logger ?? consoleEsdbLogger;
    this.retry = {
      maxRetries: options.maxRetries ?? 20,
      initialBackoffMs: options.initialBackoffMs ?? 100,
      maxBackoffMs: options.maxBackoffMs ?? 5_000,
    };
  }

  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult> {
    this.assertOpen();
    if (typeof streamId !== 'string' || streamId.length === 0) throw new TypeError('A stream id must be a non-empty string');
    const expected = options?.expectedRevision ?? 'any';
    checkExpectedRevision(expected);
    checkEvents(events);
    if (events.length === 0) return this.appendNothing(streamId, expected);

    const proposed = events.map((e) =>
      jsonEvent({ id: e.id, type: e.type, data: (e.data ?? null) as JSONType, metadata: (e.metadata ?? {}) as JSONType }),
    );
    let timer: NodeJS.Timeout | undefined;
    // The server-side deadline does not help when the server cannot be reached at all
    // (the client queues the call while it connects), hence the local timer.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new EventStoreUnavailableError(
              `EventStoreDB did not confirm the append to ${streamId} within ${this.appendDeadlineMs} ms; it may still have been written (retrying with the same event ids is safe)`,
            ),
          ),
        this.appendDeadlineMs,
      );
    });
    try {
      const result = await Promise.race([
        this.client.appendToStream(streamId, proposed, {
          expectedRevision: toClientExpectedRevision(expected),
          deadline: this.appendDeadlineMs,
        }),
        timeout,
      ]);
      if (!result.success) {
        // Only with throwOnAppendFailure=false in the connection string; the client then reports the revision unreliably.
        throw new WrongExpectedRevisionError(streamId, expected, await this.currentRevision(streamId));
      }
      if (!result.position) throw new Error(`EventStoreDB did not return a position for the append to ${streamId}`);
      return {
        nextExpectedRevision: result.nextExpectedRevision,
        position: { commit: result.position.commit, prepare: result.position.prepare },
      };
    } catch (error) {
      throw this.mapError(error, `append to ${streamId}`, { streamId, expected });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A soft delete: the stream reads as absent and can be started again with 'no_stream'; its events stay
   * in $all and on disk until a scavenge (README: what erasure guarantees).
   */
  async deleteStream(streamId: string): Promise<void> {
    this.assertOpen();
    try {
      await this.client.deleteStream(streamId);
    } catch (error) {
      if (error instanceof StreamNotFoundError) return;
      throw this.mapError(error, `delete of ${streamId}`, { streamId });
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const direction = options.direction ?? 'forwards';
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];
    const events: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(streamId, {
        direction: direction === 'backwards' ? BACKWARDS : FORWARDS,
        fromRevision: options.fromRevision ?? (direction === 'backwards' ? END : START),
        ...(options.maxCount !== undefined ? { maxCount: options.maxCount } : {}),
      });
      for await (const resolved of read) {
        if (resolved.event) events.push(toRecordedEvent(resolved.event));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw this.mapError(error, `read of ${streamId}`, { streamId });
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const backwards = options.direction === 'backwards';
    const maxCount = options.maxCount ?? Infinity;
    if (maxCount <= 0) return [];
    const events: RecordedEvent[] = [];
    let from: ReadPosition = options.fromPosition ?? (backwards ? END : START);
    // Forwards reads are inclusive: a continuation page starts with the last record of the previous one.
    let skip: Position | undefined;
    try {
      for (;;) {
        const wanted = maxCount - events.length;
        const pageSize = Number.isFinite(wanted) ? Math.max(wanted, MIN_PAGE_SIZE) + (skip ? 1 : 0) : undefined;
        let received = 0;
        let last: Position | undefined;
        const read = this.client.readAll({
          direction: backwards ? BACKWARDS : FORWARDS,
          fromPosition: from,
          ...(pageSize !== undefined ? { maxCount: pageSize } : {}),
        });
        for await (const resolved of read as AsyncIterable<AllStreamResolvedEvent>) {
          received++;
          const event = resolved.event;
          if (!event) continue;
          last = event.position;
          if (skip && comparePositions(event.position, skip) === 0) continue;
          if (isSystemEvent(event)) continue;
          events.push(toRecordedEvent(event));
          if (events.length >= maxCount) {
            await read.cancel();
            return events;
          }
        }
        if (pageSize === undefined || received < pageSize || !last) return events;
        from = last;
        skip = backwards ? undefined : last;
      }
    } catch (error) {
      throw this.mapError(error, 'read of $all');
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    this.assertOpen();
    const subscription = new EsdbAllSubscription(this, this.logger, this.retry, options);
    this.subscriptions.add(subscription);
    subscription.start();
    return subscription;
  }

  async headPosition(): Promise<Position | null> {
    const [last] = await this.readAll({ direction: 'backwards', maxCount: 1 });
    return last ? last.position : null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].map((s) => s.unsubscribe()));
    await this.client.dispose();
  }

  /** @internal */
  forget(subscription: EsdbAllSubscription): void {
    this.subscriptions.delete(subscription);
  }

  /** @internal Translates client errors into the port's errors. */
  mapError(error: unknown, operation: string, context?: { streamId: string; expected?: ExpectedRevision }): unknown {
    if (error instanceof WrongExpectedRevisionError || error instanceof StreamDeletedError || error instanceof EventStoreUnavailableError) {
      return error;
    }
    if (error instanceof WrongExpectedVersionError && context) {
      return new WrongExpectedRevisionError(context.streamId, context.expected ?? error.expectedVersion, error.actualVersion);
    }
    if (error instanceof EsdbStreamDeletedError) return new StreamDeletedError(context?.streamId ?? error.streamName);
    if (isUnavailable(error))
      return new EventStoreUnavailableError(`EventStoreDB is unavailable (${operation}): ${describeError(error)}`, error);
    return error;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The event store is closed');
  }

  /** EventStoreDB accepts an empty append but reports no position; answer as the embedded store does. */
  private async appendNothing(streamId: string, expected: ExpectedRevision): Promise<AppendResult> {
    const [last] = await this.readStream(streamId, { direction: 'backwards', maxCount: 1 });
    const current = last ? last.revision : 'no_stream';
    if (!expectationHolds(expected, current)) throw new WrongExpectedRevisionError(streamId, expected, current);
    return last
      ? { nextExpectedRevision: last.revision, position: last.position }
      : { nextExpectedRevision: -1n, position: START_POSITION };
  }

  private async currentRevision(streamId: string): Promise<bigint | 'no_stream'> {
    const [last] = await this.readStream(streamId, { direction: 'backwards', maxCount: 1 });
    return last ? last.revision : 'no_stream';
  }
}

/** One client subscription and what this adapter has read from it. */
interface Attempt {
  readonly sub: AllStreamSubscription;
  /** Records taken from sub's buffer. */
  read: number;
  /** Set by 'caughtUp': the catch-up is over once `read` reaches it. */
  caughtUpAfter: number | null;
  error: unknown;
  ended: boolean;
}

/**
 * A $all subscription that survives connection drops and server restarts: it resubscribes from the
 * last position it handed to the consumer (start positions are exclusive in EventStoreDB, so
 * nothing is repeated), with bounded, exponentially backed-off retries.
 *
 * Pull-based: records are taken from the client's readable stream only when the consumer asks,
 * so the stream's high-water mark and gRPC flow control slow the server down for a slow consumer.
 */
class EsdbAllSubscription implements AllSubscription, AsyncIterator<RecordedEvent> {
  private attempt: Attempt | null = null;
  /** Last record consumed (delivered, or skipped as a system event): where a resumption starts. */
  private lastPosition: Position | undefined;
  private readonly startPosition: Position | undefined;
  private failures = 0;
  private dropped = false;
  private backoffTimer: NodeJS.Timeout | undefined;
  private failure: unknown = null;
  private ended = false;
  private caughtUpNotified = false;
  /** Head of the log when the subscription started: the fallback for servers that send no caught-up message. */
  private headAtStart: Position | null | undefined;
  private wake: (() => void) | null = null;
  /** A change signalled while nobody waited (the client may emit synchronously inside read()). */
  private signalled = false;
  private pulling: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: EsdbEventStore,
    private readonly logger: EsdbLogger,
    private readonly retry: { readonly maxRetries: number; readonly initialBackoffMs: number; readonly maxBackoffMs: number },
    private readonly options: SubscribeToAllOptions,
  ) {
    this.startPosition = options.fromPosition;
    this.lastPosition = options.fromPosition;
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this;
  }

  /** @internal Subscribes at once, so onCaughtUp fires on an empty log before the first next(). */
  start(): void {
    this.open();
    if (this.options.onCaughtUp) {
      this.store.headPosition().then(
        (head) => {
          this.headAtStart = head;
          this.checkCaughtUp();
        },
        () => undefined, // the caught-up message still works; the fallback is only a fallback
      );
    }
  }

  next(): Promise<IteratorResult<RecordedEvent>> {
    const result = this.pulling.then(() => this.pull());
    this.pulling = result.catch(() => undefined);
    return result;
  }

  async return(): Promise<IteratorResult<RecordedEvent>> {
    await this.unsubscribe();
    return { done: true, value: undefined };
  }

  async unsubscribe(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.backoffTimer);
    this.store.forget(this);
    const attempt = this.attempt;
    this.attempt = null;
    this.notify();
    if (attempt) await this.dispose(attempt);
  }

  private async pull(): Promise<IteratorResult<RecordedEvent>> {
    for (;;) {
      if (this.ended) return { done: true, value: undefined };
      if (this.failure !== null) throw this.failure;
      this.checkCaughtUp();
      const attempt = this.attempt;
      if (attempt === null) {
        await this.waitForChange(); // backing off before resubscribing
        continue;
      }
      const item = attempt.sub.read() as AllStreamResolvedEvent | null;
      if (item !== null) {
        attempt.read++;
        const event = this.accept(item);
        if (event) return { done: false, value: event };
        continue;
      }
      if (attempt.error !== null || attempt.ended) {
        this.drop(attempt);
        continue;
      }
      await this.waitForChange();
    }
  }

  private open(): void {
    const sub = this.store.client.subscribeToAll({
      fromPosition: this.lastPosition ?? START,
      filter: excludeSystemEvents(),
    });
    const attempt: Attempt = { sub, read: 0, caughtUpAfter: null, error: null, ended: false };
    this.attempt = attempt;
    sub.on('readable', () => this.notify());
    sub.on('error', (error: unknown) => {
      if (attempt.error === null) attempt.error = error;
      this.notify();
    });
    sub.on('end', () => {
      attempt.ended = true;
      this.notify();
    });
    sub.on('close', () => {
      attempt.ended = true;
      this.notify();
    });
    sub.on('confirmation', () => {
      if (this.dropped) {
        this.logger.log(
          `Subscription to $all resumed ${this.positionText()} (${this.failures} ${this.failures === 1 ? 'retry' : 'retries'})`,
        );
        this.dropped = false;
      }
      this.failures = 0;
    });
    // Client 6.2.1 emits 'caughtUp' from the subscription stream when the server says the catch-up is over.
    sub.on('caughtUp', () => {
      // Records still buffered were read before the marker: the consumer is caught up once it has taken them.
      attempt.caughtUpAfter = attempt.read + sub.readableLength;
      this.checkCaughtUp();
      this.notify();
    });
  }

  /** Maps a record; null when it is a system event or was already delivered before a resumption. */
  private accept(resolved: AllStreamResolvedEvent): RecordedEvent | null {
    const event = resolved.event;
    if (!event) return null;
    if (this.lastPosition && comparePositions(event.position, this.lastPosition) <= 0) return null;
    this.lastPosition = { commit: event.position.commit, prepare: event.position.prepare };
    if (isSystemEvent(event)) return null;
    return toRecordedEvent(event);
  }

  private drop(attempt: Attempt): void {
    if (this.attempt !== attempt) return;
    this.attempt = null;
    void this.dispose(attempt);
    const cause = attempt.error ?? new Error('the server ended the subscription');
    const mapped = this.store.mapError(cause, 'subscription to $all');
    const transient =
      attempt.error === null ||
      mapped instanceof EventStoreUnavailableError ||
      SUBSCRIPTION_RETRY_CODES.has((attempt.error as { code?: unknown }).code as number);
    if (!transient) {
      this.failure = mapped;
      this.logger.error(`Subscription to $all failed: ${describeError(cause)}`);
      return;
    }
    this.failures++;
    this.dropped = true;
    if (this.failures > this.retry.maxRetries) {
      this.failure = new EventStoreUnavailableError(
        `Subscription to $all lost: ${this.retry.maxRetries} attempts to resubscribe ${this.positionText()} failed; last error: ${describeError(cause)}`,
        cause,
      );
      this.logger.error((this.failure as Error).message);
      return;
    }
    const backoff = Math.min(this.retry.initialBackoffMs * 2 ** (this.failures - 1), this.retry.maxBackoffMs);
    this.logger.warn(
      `Subscription to $all dropped (${describeError(cause)}); resubscribing ${this.positionText()} in ${backoff} ms (attempt ${this.failures}/${this.retry.maxRetries})`,
    );
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      if (this.ended) return;
      this.open();
      this.notify();
    }, backoff);
  }

  private checkCaughtUp(): void {
    if (this.caughtUpNotified || !this.options.onCaughtUp || this.ended) return;
    const attempt = this.attempt;
    const byMessage = attempt !== null && attempt.caughtUpAfter !== null && attempt.read >= attempt.caughtUpAfter;
    const head = this.headAtStart;
    const byHead =
      head !== undefined &&
      (head === null ||
        (this.startPosition !== undefined && comparePositions(head, this.startPosition) <= 0) ||
        (this.lastPosition !== undefined && comparePositions(this.lastPosition, head) >= 0));
    if (!byMessage && !byHead) return;
    this.caughtUpNotified = true;
    this.options.onCaughtUp();
  }

  private waitForChange(): Promise<void> {
    if (this.signalled) {
      this.signalled = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    if (wake) wake();
    else this.signalled = true;
  }

  private async dispose(attempt: Attempt): Promise<void> {
    attempt.sub.removeAllListeners('readable');
    // A late error of a discarded stream must not become an uncaught 'error' event.
    attempt.sub.on('error', () => undefined);
    try {
      await attempt.sub.unsubscribe();
    } catch {
      // already gone with the connection
    }
    attempt.sub.destroy();
  }

  private positionText(): string {
    return this.lastPosition ? `after position ${formatPosition(this.lastPosition)}` : 'from the start';
  }
}
