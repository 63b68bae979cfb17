import type { CommandOptions } from './command-options.dto';

/**
 * Base of the commands sent through the CommandBus. The body is the validated request
 * (the same class the HTTP API documents); the actor says who sends it.
 */
export abstract class LeadCommandMessage<Body extends CommandOptions> {
  constructor(
    /** The lead's id; ignored by CaptureLeadCommand, which derives or generates one. */
    readonly leadId: string,
    readonly body: Body,
    /** "user:<name>", "service:<name>", "policy:<name>"; "anonymous" when unknown. */
    readonly actor: string = 'anonymous',
    /** For commands a policy sends in reaction to an event: that event's id. */
    readonly causationId?: string,
  ) {}
}

/** Splits the options every command accepts from the command's own fields. */
export function splitOptions<Body extends CommandOptions>(body: Body): { options: CommandOptions; data: Omit<Body, keyof CommandOptions> } {
  const { commandId, expectedRevision, correlationId, occurredAt, requestHash, ...data } = body;
  return { options: { commandId, expectedRevision, correlationId, occurredAt, requestHash }, data };
}
