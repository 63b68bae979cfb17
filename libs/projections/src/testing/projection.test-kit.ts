/**
 * Helpers for projection tests: event builders with the engine's metadata, and a harness that runs
 * projections over an in-memory event store into an in-memory read store.
 */
import { randomUUID } from 'node:crypto';
import type { LeadEvent, LeadFactsSnapshot, NurtureTrack, Temperature } from '@lead/domain';
import { SqliteEventStore, type AppendResult, type EventStore, type Position } from '@lead/event-store';
import { READ_MODEL_PROJECTIONS } from '../read-models/read-models';
import type { ReadStore } from '../read-store/read-store.port';
import { SqliteReadStore } from '../read-store/sqlite-read-store';
import type { ProjectionDefinition } from '../runner/projection';
import { ProjectionRunner, type ProjectionRunnerOptions, type RunnerLogger } from '../runner/projection-runner';

export const silentLogger: RunnerLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** One command's events, at a business time, by an actor. */
export interface TimedCommand {
  readonly at: string;
  readonly actor?: string;
  readonly events: readonly LeadEvent[];
}

export const at = (iso: string, ...events: LeadEvent[]): TimedCommand => ({ at: new Date(iso).toISOString(), events });
export const by = (actor: string, command: TimedCommand): TimedCommand => ({ ...command, actor });

/** Appends a lead's commands in order (one append per command), as the engine would. */
export async function appendLead(
  store: EventStore,
  leadId: string,
  commands: readonly TimedCommand[],
  fromRevision?: bigint,
): Promise<AppendResult> {
  let expected: bigint | 'no_stream' = fromRevision ?? 'no_stream';
  let result: AppendResult | undefined;
  for (const command of commands) {
    const commandId = randomUUID();
    result = await store.appendToStream(
      `lead-${leadId}`,
      command.events.map((event) => {
        const id = randomUUID();
        return {
          id,
          type: event.type,
          data: event.data,
          metadata: {
            eventId: id,
            commandId,
            correlationId: commandId,
            causationId: commandId,
            actor: command.actor ?? 'user:ana',
            occurredAt: command.at,
            schemaVersion: 1,
          },
        };
      }),
      { expectedRevision: expected },
    );
    expected = result.nextExpectedRevision;
  }
  if (!result) throw new Error('no commands');
  return result;
}

// ---------------------------------------------------------------- event builders

export const ev = {
  captured: (
    leadId: string,
    o: {
      channel?: string;
      origin?: string;
      campaign?: string;
      kind?: 'B2B' | 'B2C';
      name?: string;
      company?: string;
      industry?: string;
    } = {},
  ): LeadEvent => ({
    type: 'LeadCaptured',
    data: {
      leadId,
      kind: o.kind ?? 'B2B',
      contact: { name: o.name ?? 'Ana Pop', email: 'ana.pop@acme.ro', phone: '+40 700 000 000' },
      ...((o.kind ?? 'B2B') === 'B2B' ? { company: { name: o.company ?? 'Acme SRL', industry: o.industry ?? 'manufacturing' } } : {}),
      source: {
        channel: (o.channel ?? 'web_form') as never,
        ...(o.origin ? { origin: o.origin as never } : {}),
        ...(o.campaign ? { campaign: o.campaign } : {}),
      },
      normalizedEmail: 'ana.pop@acme.ro',
    },
  }),
  corrected: (leadId: string, name: string, company?: { name: string; industry?: string }): LeadEvent => ({
    type: 'ContactDetailsCorrected',
    data: { leadId, contact: { name, email: 'new@acme.ro' }, ...(company ? { company } : {}), changedFields: ['contact.name'] },
  }),
  need: (leadId: string): LeadEvent => ({ type: 'NeedConfirmed', data: { leadId, need: 'CRM for 40 reps', productLine: 'crm' } }),
  budget: (leadId: string): LeadEvent => ({ type: 'BudgetVerified', data: { leadId, amount: 20000, currency: 'EUR' } }),
  decisionMaker: (leadId: string, name = 'Ion Rusu'): LeadEvent => ({ type: 'DecisionMakerReached', data: { leadId, name, role: 'CEO' } }),
  activity: (leadId: string, activityAt: string, activityType = 'page_visit'): LeadEvent => ({
    type: 'ActivityRecorded',
    data: { leadId, activityType, activityAt },
  }),
  scored: (leadId: string, total: number, temperature: Temperature, modelVersion = 'v1'): LeadEvent => ({
    type: 'LeadScored',
    data: {
      leadId,
      total,
      temperature,
      modelVersion,
      breakdown: [{ rule: 'fit.industry', points: total }],
      scoredAt: '2025-01-01T00:00:00.000Z',
    },
  }),
  qualified: (leadId: string, facts: LeadFactsSnapshot = {}): LeadEvent => ({
    type: 'LeadQualified',
    data: { leadId, how: 'automatic', facts },
  }),
  assigned: (leadId: string, owner: string, segment?: string): LeadEvent => ({
    type: 'LeadAssigned',
    data: { leadId, owner, rule: 'routing.test', ...(segment ? { segment } : {}) },
  }),
  nurtured: (leadId: string, track: NurtureTrack = 'nurture', revisitAt?: string, reason = 'too early'): LeadEvent => ({
    type: 'SentToNurture',
    data: { leadId, reason, track, ...(revisitAt ? { revisitAt } : {}) },
  }),
  reactivated: (leadId: string, previousStatus: 'nurturing' | 'disqualified' | 'lost' = 'nurturing'): LeadEvent => ({
    type: 'LeadReactivated',
    data: { leadId, reason: 'came back', previousStatus },
  }),
  disqualified: (leadId: string, reason: string, facts: LeadFactsSnapshot = {}, rule?: string, note = 'not a fit'): LeadEvent => ({
    type: 'Disqualified',
    data: { leadId, reason: reason as never, note, ...(rule ? { rule } : {}), facts },
  }),
  handed: (leadId: string, owner?: string, qualified = true): LeadEvent => ({
    type: 'HandedToSales',
    data: { leadId, ...(owner ? { owner } : {}), qualified, facts: {} },
  }),
  won: (leadId: string): LeadEvent => ({ type: 'SaleWon', data: { leadId, amount: 10000, currency: 'EUR' } }),
  lost: (leadId: string, needRemains = false): LeadEvent => ({ type: 'SaleLost', data: { leadId, reason: 'price', needRemains } }),
  merged: (leadId: string, survivorLeadId: string): LeadEvent => ({ type: 'DuplicateMerged', data: { leadId, survivorLeadId } }),
  erased: (leadId: string): LeadEvent => ({
    type: 'PersonalDataErased',
    data: { leadId, reason: 'GDPR request', erasedFields: ['contact.name', 'contact.email', 'contact.phone', 'decisionMaker.name'] },
  }),
};

// ---------------------------------------------------------------- harness

export interface ProjectionHarness {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  readonly runner: ProjectionRunner;
  /** Waits until every projection has applied the whole log and is running (or stopped with an error). */
  catchUp(timeoutMs?: number): Promise<Position | null>;
  close(): Promise<void>;
}

export async function startHarness(
  options: {
    projections?: readonly ProjectionDefinition[];
    store?: EventStore;
    readStore?: ReadStore;
    runner?: ProjectionRunnerOptions;
    start?: boolean;
  } = {},
): Promise<ProjectionHarness> {
  const store = options.store ?? new SqliteEventStore({ path: ':memory:', pollIntervalMs: 20 });
  const readStore = options.readStore ?? new SqliteReadStore({ path: ':memory:' });
  const runner = new ProjectionRunner(store, readStore, options.projections ?? READ_MODEL_PROJECTIONS, {
    logger: silentLogger,
    ...options.runner,
  });
  if (options.start !== false) await runner.start();
  return {
    store,
    readStore,
    runner,
    async catchUp(timeoutMs = 10_000) {
      const head = await store.headPosition();
      await runner.waitUntilCaughtUp(timeoutMs);
      return head;
    },
    async close() {
      await runner.stop();
      await readStore.close();
      await store.close();
    },
  };
}

/** Every document of the projections' collections, by collection then key: for field-by-field comparisons. */
export async function dumpReadModels(
  readStore: ReadStore,
  projections: readonly ProjectionDefinition[] = READ_MODEL_PROJECTIONS,
): Promise<Record<string, Record<string, unknown>[]>> {
  const dump: Record<string, Record<string, unknown>[]> = {};
  for (const projection of projections) {
    for (const collection of projection.collections) dump[collection.name] = await readStore.find(collection.name);
  }
  return dump;
}

/** Builds the read models from scratch into a fresh in-memory read store and returns their dump. */
export async function cleanRebuild(
  store: EventStore,
  projections: readonly ProjectionDefinition[] = READ_MODEL_PROJECTIONS,
): Promise<Record<string, Record<string, unknown>[]>> {
  const readStore = new SqliteReadStore({ path: ':memory:' });
  const runner = new ProjectionRunner(store, readStore, projections, { logger: silentLogger });
  try {
    await runner.start();
    await runner.waitUntilCaughtUp(60_000);
    return await dumpReadModels(readStore, projections);
  } finally {
    await runner.stop();
    await readStore.close();
  }
}
