import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  LEAD_STREAM_PREFIX,
  LeadConcurrencyError,
  LeadNotFoundError,
  LeadRuleRefusedError,
  LeadValidationError,
  isLeadEventType,
  leadStreamId,
  type LeadEventMetadata,
} from '@lead/domain';
import {
  EVENT_STORE,
  EventStoreUnavailableError,
  comparePositions,
  formatPosition,
  type AllSubscription,
  type EventStore,
  type Position,
  type RecordedEvent,
} from '@lead/event-store';
import { Clock, LeadCommandExecutor, deterministicUuid, toLeadEvent, type CommandResult } from '@lead/lifecycle';
import { LEAD_POLICIES_SETTINGS, POLICY_STATE_STORE, type LeadPoliciesSettings } from '../lead-policies.options';
import { categoryRoutingPolicy } from '../policies/category-routing.policy';
import { hotHandOffPolicy } from '../policies/hot-hand-off.policy';
import { nurtureRevisitOnEvent, nurtureRevisitOnSweep } from '../policies/nurture-revisit.policy';
import type { PolicyCommand } from '../policies/policy.types';
import { isScoringTrigger, scoringPolicy } from '../policies/scoring.policy';
import { slaPolicy } from '../policies/sla.policy';
import { SCORED_STATUSES, evolvePolicyRow, type LeadPolicyRow } from '../policy-state/lead-policy-row';
import type { ActiveModels, PolicyCheckpoint, PolicyStateChanges, PolicyStateStore } from '../policy-state/policy-state.store';
import { occurredAtOf } from '../scoring-models/history-reader';
import { leadHistory, type LeadHistory } from '../scoring-models/lead-history';
import { SCORING_MODELS_STREAM, parseScoringModelEvent } from '../scoring-models/scoring-model.events';
import { ScoringModelService } from '../scoring-models/scoring-model.service';

export type ReactorState = 'running' | 'catching_up' | 'stopped_with_error' | 'stopped';

export interface ReactorStatus {
  /** catching_up until the subscription reaches the end of the log; stopped when off or shut down. */
  state: ReactorState;
  /** Position of the last event handled (its state and checkpoint stored). */
  checkpoint: string | null;
  error?: string;
  reactions: { appended: number; unchanged: number; refused: number; retried: number };
  lastSweepAt?: string;
}

/** The reactor stopped: an event it could not handle, named with its position. */
export class PolicyReactorError extends Error {
  override readonly name = 'PolicyReactorError';
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

class Stopping extends Error {}

const SWEEP_PAGE = 200;
const MAX_BACKOFF_MS = 30_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
const toCheckpoint = (p: Position): PolicyCheckpoint => ({ commit: p.commit.toString(), prepare: p.prepare.toString() });
const toPosition = (c: PolicyCheckpoint): Position => ({ commit: BigInt(c.commit), prepare: BigInt(c.prepare) });

/** A refusal that means "the lead moved on": logged and counted, never fatal. */
function isExpectedRefusal(error: unknown, command: PolicyCommand): boolean {
  if (error instanceof LeadRuleRefusedError || error instanceof LeadValidationError || error instanceof LeadNotFoundError) return true;
  // A sweep reaction expects the revision it decided on; a lead that changed since is looked at again later.
  return error instanceof LeadConcurrencyError && command.expectedRevision !== undefined;
}

/**
 * The policies' engine: a checkpointed subscription to $all that keeps one row per lead in the policy
 * state store and sends the commands the pure policies return, plus a sweep for what time makes due.
 *
 * Exactly once, across crashes and restarts: every reaction's command id is derived from what caused
 * it (the triggering event's id, or the policy, lead and due time for the sweep). A redelivered event
 * yields the same command id, and the executor answers it from the lead's stream without appending.
 * An event's row changes, round-robin counters and checkpoint are stored in one transaction after its
 * reactions were sent, so a crash in between only replays reactions that are already recorded.
 */
@Injectable()
export class PolicyReactor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('PolicyReactor');
  private state: ReactorState = 'stopped';
  private error: string | undefined;
  private processed: Position | null = null;
  private models: ActiveModels = {};
  private subscription: AllSubscription | undefined;
  private loop: Promise<void> | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** Ends pauses (retry backoffs) at once when the reactor stops. */
  private stopped: { promise: Promise<void>; resolve: () => void } = signal();
  private lock: Promise<unknown> = Promise.resolve();
  private lastSweepAt: string | undefined;
  private readonly counts = { appended: 0, unchanged: 0, refused: 0, retried: 0 };

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly executor: LeadCommandExecutor,
    private readonly clock: Clock,
    @Inject(POLICY_STATE_STORE) private readonly store: PolicyStateStore,
    @Inject(LEAD_POLICIES_SETTINGS) private readonly settings: LeadPoliciesSettings,
    private readonly modelService: ScoringModelService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.settings.reactor) this.start();
    else this.logger.log('Policies are off (POLICIES=off): no automatic scoring, routing or nurture');
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  status(): ReactorStatus {
    return {
      state: this.state,
      checkpoint: this.processed ? formatPosition(this.processed) : null,
      ...(this.error ? { error: this.error } : {}),
      reactions: { ...this.counts },
      ...(this.lastSweepAt ? { lastSweepAt: this.lastSweepAt } : {}),
    };
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.stopped = signal();
    this.error = undefined;
    this.state = 'catching_up';
    this.loop = this.run().finally(() => (this.loop = undefined));
    this.sweepTimer = setInterval(() => void this.sweep(), this.settings.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped.resolve();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    await this.subscription?.unsubscribe();
    await this.loop;
    await this.lock.catch(() => undefined);
    if (this.state !== 'stopped_with_error') this.state = 'stopped';
  }

  /** Resolves once every event in the log (reactions included) has been handled; for tests and tools. */
  async idle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.state === 'stopped_with_error') throw new PolicyReactorError(this.error ?? 'the reactor stopped');
      const head = await this.events.headPosition();
      if (!head || (this.processed && comparePositions(this.processed, head) >= 0)) return;
      if (Date.now() > deadline)
        throw new Error(
          `The policy reactor did not catch up within ${timeoutMs} ms (at ${this.status().checkpoint}, head ${formatPosition(head)})`,
        );
      await sleep(5);
    }
  }

  // ------------------------------------------------------------ subscription

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.stopping) {
      try {
        await this.modelService.bootstrap();
        const checkpoint = await this.store.checkpoint();
        this.processed = checkpoint ? toPosition(checkpoint) : null;
        this.models = await this.store.models();
        this.subscription = this.events.subscribeToAll({
          ...(this.processed ? { fromPosition: this.processed } : {}),
          onCaughtUp: () => this.caughtUp(),
        });
        for await (const event of this.subscription) {
          if (this.stopping) break;
          await this.exclusive(() => this.handle(event));
          backoff = 100;
        }
        if (!this.stopping) {
          this.state = 'stopped';
          this.logger.warn('The subscription to the event store ended (was the store closed?): policies stopped');
        }
        return;
      } catch (error) {
        if (this.stopping || error instanceof Stopping) return;
        if (error instanceof EventStoreUnavailableError) {
          this.state = 'catching_up';
          this.logger.warn(`Event store unavailable (${error.message}); resubscribing from the checkpoint in ${backoff} ms`);
          await this.subscription?.unsubscribe().catch(() => undefined);
          await this.pause(backoff);
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
          continue;
        }
        this.state = 'stopped_with_error';
        this.error = (error as Error).message;
        this.logger.error(`Policy reactor stopped: ${this.error}`, (error as Error).stack);
        await this.subscription?.unsubscribe().catch(() => undefined);
        return;
      }
    }
  }

  private caughtUp(): void {
    if (this.state === 'catching_up') this.state = 'running';
    setImmediate(() => void this.sweep());
  }

  /** One thing at a time: an event, or one page of the sweep. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.lock.then(work, work);
    this.lock = next.catch(() => undefined);
    return next;
  }

  private async handle(e: RecordedEvent): Promise<void> {
    try {
      if (e.streamId === SCORING_MODELS_STREAM) await this.onModelEvent(e);
      else if (e.streamId.startsWith(LEAD_STREAM_PREFIX) && isLeadEventType(e.type)) await this.onLeadEvent(e);
      else await this.store.commit({ checkpoint: toCheckpoint(e.position) }); // claims and other streams: nothing to do
      this.processed = e.position;
    } catch (error) {
      if (error instanceof Stopping || error instanceof EventStoreUnavailableError) throw error;
      throw new PolicyReactorError(
        `reaction to ${e.type} ${e.id} (stream ${e.streamId}, position ${formatPosition(e.position)}) failed: ${(error as Error).message}`,
        error,
      );
    }
  }

  private async onModelEvent(e: RecordedEvent): Promise<void> {
    const parsed = parseScoringModelEvent(e);
    const meta = e.metadata as Partial<LeadEventMetadata>;
    const at = occurredAtOf(e);
    const changes: PolicyStateChanges = { checkpoint: toCheckpoint(e.position) };
    if (parsed?.type === 'ScoringModelActivated')
      changes.models = { scoring: { version: parsed.data.version, model: parsed.data.model, activatedAt: at, eventId: e.id } };
    if (parsed?.type === 'PredictiveModelTrained')
      changes.models = { predictive: { version: parsed.data.version, model: parsed.data.model, trainedAt: at, eventId: e.id } };
    // Every live lead is rescored with the new model, by the sweep, in pages.
    if (changes.models) changes.rescoreAllAt = at;
    await this.store.commit(changes);
    this.models = { ...this.models, ...changes.models };
    if (changes.models) {
      this.logger.log(`${e.type} ${parsed!.data.version} by ${meta.actor ?? 'unknown'}: live leads will be rescored`);
      setImmediate(() => void this.sweep());
    }
  }

  private async onLeadEvent(e: RecordedEvent): Promise<void> {
    const event = toLeadEvent(e);
    const meta = e.metadata as Partial<LeadEventMetadata>;
    const leadId = e.streamId.slice(LEAD_STREAM_PREFIX.length);
    const before = await this.store.lead(leadId);
    let row = evolvePolicyRow(before, event, {
      eventId: e.id,
      revision: Number(e.revision),
      actor: meta.actor ?? 'anonymous',
      occurredAt: occurredAtOf(e),
    });
    const changes: PolicyStateChanges = { checkpoint: toCheckpoint(e.position) };
    if (row === null) {
      if (before) changes.remove = [leadId];
    } else {
      const config = this.settings.routing;
      const commands: PolicyCommand[] = [];
      if (isScoringTrigger(event) && SCORED_STATUSES.includes(row.status) && this.models.scoring) {
        const decision = scoringPolicy({ row, history: await this.history(leadId), models: this.models }, event, config, this.clock.now());
        commands.push(...decision.commands);
        row = withNextRescore(row, decision.nextRescoreAt);
      }
      commands.push(
        ...categoryRoutingPolicy({ row, roundRobin: event.type === 'LeadQualified' ? await this.store.roundRobin() : {} }, event, config),
      );
      commands.push(...hotHandOffPolicy(row, event, config));
      commands.push(...nurtureRevisitOnEvent(row, event, config));
      for (const command of commands) {
        const result = await this.send(command, deterministicUuid(`${command.policy}:${e.id}`), e.id);
        if (result && result.events.length > 0 && command.roundRobin)
          changes.roundRobin = { ...changes.roundRobin, [command.roundRobin.category]: command.roundRobin.next };
      }
      changes.upsert = [row];
    }
    await this.settings.hooks?.afterReactions?.(e);
    await this.store.commit(changes);
  }

  // ------------------------------------------------------------ sweep

  /** Looks up what time has made due (decay, nurture revisits, SLAs) and reacts; runs only when caught up. */
  async sweep(): Promise<void> {
    if (this.state !== 'running' || this.stopping) return;
    const now = this.clock.now();
    const config = this.settings.routing;
    const slaClockBefore = config.sla.enabled ? new Date(now.getTime() - config.sla.hours * 3_600_000).toISOString() : undefined;
    let after: string | undefined;
    try {
      for (;;) {
        // A page at a time, so events are not held up behind a long sweep.
        const rows = await this.exclusive(async () => {
          const page = await this.store.due({
            now: now.toISOString(),
            ...(slaClockBefore ? { slaClockBefore } : {}),
            ...(after ? { afterLeadId: after } : {}),
            limit: SWEEP_PAGE,
          });
          for (const row of page) await this.sweepRow(row, now);
          return page;
        });
        if (rows.length < SWEEP_PAGE || this.stopping) break;
        after = rows[rows.length - 1].leadId;
      }
      this.lastSweepAt = now.toISOString();
    } catch (error) {
      if (error instanceof Stopping) return;
      this.logger.warn(`Sweep at ${now.toISOString()} stopped early: ${(error as Error).message}`);
    }
  }

  private async sweepRow(stale: LeadPolicyRow, now: Date): Promise<void> {
    // The row may have changed while this page waited for its turn.
    const row = await this.store.lead(stale.leadId);
    if (!row) return;
    const config = this.settings.routing;
    const sweepKey = (c: PolicyCommand) => deterministicUuid(`${c.policy}:${c.leadId}:${c.dueKey}`);
    if (row.nextRescoreAt && Date.parse(row.nextRescoreAt) <= now.getTime()) {
      const decision =
        this.models.scoring && SCORED_STATUSES.includes(row.status)
          ? scoringPolicy(
              { row, history: await this.history(row.leadId), models: this.models },
              { type: 'RescoreDue', dueAt: row.nextRescoreAt },
              config,
              now,
            )
          : { commands: [] as PolicyCommand[], nextRescoreAt: undefined };
      let rescored = false;
      for (const command of decision.commands)
        rescored = ((await this.send(command, sweepKey(command), row.lastEventId))?.events.length ?? 0) > 0 || rescored;
      await this.store.commit({ upsert: [withNextRescore(row, decision.nextRescoreAt)] });
      // The new score may change what the SLA or the revisit decide (and their expected revision):
      // they decide on the updated row at the next sweep.
      if (rescored) return;
    }
    for (const command of [...slaPolicy(row, config, now), ...nurtureRevisitOnSweep(row, config, now)])
      await this.send(command, sweepKey(command), row.lastEventId);
  }

  // ------------------------------------------------------------ sending

  private async send(command: PolicyCommand, commandId: string, causationId: string): Promise<CommandResult | undefined> {
    for (let attempt = 0; ; attempt++) {
      if (this.stopping) throw new Stopping();
      try {
        const result = await this.executor.execute({
          type: command.type,
          leadId: command.leadId,
          data: command.data,
          options: { commandId, ...(command.expectedRevision !== undefined ? { expectedRevision: command.expectedRevision } : {}) },
          actor: `policy:${command.policy}`,
          causationId,
        });
        if (result.events.length > 0) this.counts.appended++;
        else this.counts.unchanged++;
        return result;
      } catch (error) {
        if (isExpectedRefusal(error, command)) {
          this.counts.refused++;
          this.logger.debug(`policy:${command.policy} ${command.type} on lead ${command.leadId} refused: ${(error as Error).message}`);
          return undefined;
        }
        // The store is away, or other writers keep winning the race for this lead: try again, later each time.
        if (error instanceof EventStoreUnavailableError || error instanceof LeadConcurrencyError) {
          this.counts.retried++;
          await this.pause(Math.min(100 * 2 ** attempt, MAX_BACKOFF_MS));
          continue;
        }
        throw error;
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return Promise.race([sleep(ms), this.stopped.promise]);
  }

  private async history(leadId: string): Promise<LeadHistory> {
    const recorded = await this.events.readStream(leadStreamId(leadId));
    return leadHistory(
      leadId,
      recorded.map((e) => ({ event: toLeadEvent(e), occurredAt: occurredAtOf(e) })),
    );
  }
}

function withNextRescore(row: LeadPolicyRow, next: string | undefined): LeadPolicyRow {
  const { nextRescoreAt: _, ...rest } = row;
  return next ? { ...rest, nextRescoreAt: next } : rest;
}
