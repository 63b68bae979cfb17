import { Inject, Injectable, Optional } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import {
  leadEventSchemaVersion,
  LeadConcurrencyError,
  decide,
  leadStreamId,
  type LeadCaptured,
  type LeadCommand,
  type LeadEvent,
  type LeadEventMetadata,
  type LeadPolicy,
} from '@lead/domain';
import { EVENT_STORE, WrongExpectedRevisionError, formatPosition, type EventStore, type ExpectedRevision } from '@lead/event-store';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { CAPTURE_GUARD, type CaptureGuard } from './capture-guard';
import { Clock } from './clock';
import { validationError, wasValidated } from './command-validation.pipe';
import { IdempotencyKeyReusedError } from './idempotency-key-reused.error';
import type { CommandOptions, CommandResult } from './command-options.dto';
import { deterministicUuid } from './deterministic-id';
import { LeadEventAppended } from './lead-event-appended.event';
import { LEAD_POLICY } from './lead-policy.token';
import { LeadReader } from './lead.reader';
import { normalizeActor, splitOptions, type CommandActor, type LeadCommandMessage } from './lead-command.message';
import { commandMetrics } from './lead-lifecycle.metrics';

/** A command as the glue hands it over: intent + options + who sends it. */
export interface LeadCommandRequest<T extends LeadCommand['type'] = LeadCommand['type']> {
  type: T;
  /** Absent only for CaptureLead, which derives or generates the id. */
  leadId?: string;
  data: Extract<LeadCommand, { type: T }>['data'];
  options: CommandOptions;
  actor: CommandActor;
  /** For reactions of a policy: the id of the event that caused the command. */
  causationId?: string;
}

const MAX_ATTEMPTS = 5;

/**
 * The one generic command handler: read the stream, decide, append with the expected revision.
 * Every @CommandHandler is a few lines of glue around it.
 */
@Injectable()
export class LeadCommandExecutor {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly reader: LeadReader,
    private readonly clock: Clock,
    private readonly eventBus: EventBus,
    @Inject(LEAD_POLICY) private readonly policy: LeadPolicy,
    @Optional() @Inject(CAPTURE_GUARD) private readonly captureGuard?: CaptureGuard,
  ) {}

  /** Validates a DTO (class instance or plain object) with class-validator; for callers that bypass the HTTP pipe. */
  validate<T extends object>(cls: new () => T, body: T | object): T {
    if (body instanceof cls && wasValidated(body)) return body;
    const instance = body instanceof cls ? body : plainToInstance(cls, body);
    const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length > 0) throw validationError(errors);
    return instance;
  }

  async execute(request: LeadCommandRequest): Promise<CommandResult> {
    const started = process.hrtime.bigint();
    try {
      const { result, replayed } = await this.run(request);
      commandMetrics.observe(request.type, replayed ? 'replayed' : 'accepted', started);
      return result;
    } catch (error) {
      commandMetrics.observe(request.type, (error as { kind?: string }).kind ?? 'error', started);
      throw error;
    }
  }

  private async run(request: LeadCommandRequest): Promise<{ result: CommandResult; replayed: boolean }> {
    const commandId = request.options.commandId ?? randomUUID();
    const leadId = request.leadId ?? (request.options.commandId ? deterministicUuid(`lead:${commandId}`) : randomUUID());
    const streamId = leadStreamId(leadId);
    const acting = normalizeActor(request.actor);

    for (let attempt = 1; ; attempt++) {
      const now = this.clock.now();
      const lead = await this.reader.load(leadId);

      const first = lead.resultOf(commandId);
      if (first) {
        const { requestHash, ...result } = first;
        if (requestHash && request.options.requestHash && requestHash !== request.options.requestHash) {
          throw new IdempotencyKeyReusedError(commandId);
        }
        return { result: { leadId, ...result }, replayed: true };
      }

      const expected = request.options.expectedRevision;
      if (expected !== undefined && BigInt(expected) !== (lead.revision ?? -1n)) {
        throw new LeadConcurrencyError(leadId, String(expected), lead.revision === null ? null : String(lead.revision));
      }

      const occurredAt = request.options.occurredAt ? new Date(request.options.occurredAt) : now;
      const command = { type: request.type, data: request.data, commandId, leadId, occurredAt, now, actor: acting.actor } as LeadCommand;
      const events = decide(command, lead.state, this.policy);
      if (command.type === 'CaptureLead' && this.captureGuard) {
        // After decide (only a valid capture claims anything), before append (a refused one writes no lead).
        const correlationId = request.options.correlationId ?? commandId;
        const redirect = await this.captureGuard.beforeCapture({
          leadId,
          commandId,
          correlationId,
          actor: acting.actor,
          occurredAt,
          event: events[0] as LeadCaptured,
        });
        if (redirect) {
          const { leadId: existing, activityType, details } = redirect;
          // Derived command id: a retried capture lands on the same activity and appends nothing.
          const options = {
            commandId: deterministicUuid(`capture-as-activity:${commandId}`),
            correlationId,
            occurredAt: occurredAt.toISOString(),
            requestHash: request.options.requestHash,
          };
          return this.run({
            type: 'RecordActivity',
            leadId: existing,
            data: { activityType, ...(details ? { details } : {}) },
            options,
            actor: request.actor,
            causationId: commandId,
          });
        }
      }
      if (events.length === 0) {
        return { result: { leadId, revision: Number(lead.revision ?? -1n), position: lead.position ?? '0', events: [] }, replayed: false };
      }

      const metadata = (index: number): LeadEventMetadata => ({
        eventId: deterministicUuid(`event:${commandId}:${index}`),
        commandId,
        correlationId: request.options.correlationId ?? commandId,
        causationId: request.causationId ?? commandId,
        ...acting,
        occurredAt: occurredAt.toISOString(),
        schemaVersion: leadEventSchemaVersion(events[index].type),
        ...(request.options.requestHash ? { requestHash: request.options.requestHash } : {}),
      });
      const toAppend = events.map((event, i) => ({ id: metadata(i).eventId, type: event.type, data: event.data, metadata: metadata(i) }));
      const expectedRevision: ExpectedRevision = lead.revision === null ? 'no_stream' : lead.revision;
      try {
        const appended = await this.store.appendToStream(streamId, toAppend, { expectedRevision });
        const position = formatPosition(appended.position);
        const first = Number(appended.nextExpectedRevision) - events.length + 1;
        events.forEach((event: LeadEvent, i) =>
          this.eventBus.publish(new LeadEventAppended(event, toAppend[i].metadata, streamId, first + i, position)),
        );
        commandMetrics.appended(events);
        return {
          result: { leadId, revision: Number(appended.nextExpectedRevision), position, events: events.map((e) => e.type) },
          replayed: false,
        };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        // Someone appended between our read and our write. With a revision from the client the
        // client must decide again; without one, we decide again on the fresh state.
        if (expected !== undefined || attempt >= MAX_ATTEMPTS) {
          throw new LeadConcurrencyError(
            leadId,
            expected !== undefined ? String(expected) : String(expectedRevision),
            error.actual === 'no_stream' ? null : String(error.actual),
          );
        }
      }
    }
  }
}

/** Glue shared by every @CommandHandler: validate the body, split options from data, execute. */
export async function handleLeadCommand<Body extends CommandOptions, T extends LeadCommand['type']>(
  executor: LeadCommandExecutor,
  type: T,
  bodyClass: new () => Body,
  message: LeadCommandMessage<Body>,
  toData: (body: Omit<Body, keyof CommandOptions>) => Extract<LeadCommand, { type: T }>['data'] = (b) => b as never,
): Promise<CommandResult> {
  const { options, data } = splitOptions(executor.validate(bodyClass, message.body));
  return executor.execute({
    type,
    leadId: type === 'CaptureLead' ? undefined : message.leadId,
    data: toData(data),
    options,
    actor: message.actor,
    causationId: message.causationId,
  });
}
