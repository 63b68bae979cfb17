import type { ActorKind } from '@lead/domain';
import type { CommandOptions } from './command-options.dto';

/**
 * Who sends a command, recorded in every event's metadata. A string is the actor itself ("policy:scoring",
 * "host:crm"); an object adds its kind and, for a service principal, the person it acts for.
 */
export type CommandActor = string | { readonly actor: string; readonly actorKind?: ActorKind; readonly onBehalfOf?: string };

/** The kind a bare actor string implies by its prefix; none for a legacy or unknown prefix. */
export function actorKindOf(actor: string): ActorKind | undefined {
  const prefix = actor.slice(0, actor.indexOf(':') + 1);
  const kinds: Record<string, ActorKind> = { 'key:': 'api_key', 'user:': 'jwt', 'policy:': 'policy', 'host:': 'host' };
  return actor === 'anonymous' ? 'anonymous' : kinds[prefix];
}

export function normalizeActor(actor: CommandActor): { actor: string; actorKind?: ActorKind; onBehalfOf?: string } {
  if (typeof actor === 'string') {
    const actorKind = actorKindOf(actor);
    return actorKind ? { actor, actorKind } : { actor };
  }
  const actorKind = actor.actorKind ?? actorKindOf(actor.actor);
  return { actor: actor.actor, ...(actorKind ? { actorKind } : {}), ...(actor.onBehalfOf ? { onBehalfOf: actor.onBehalfOf } : {}) };
}

/**
 * Base of the commands sent through the CommandBus. The body is the validated request
 * (the same class the HTTP API documents); the actor says who sends it, and is required: there is no default.
 */
export abstract class LeadCommandMessage<Body extends CommandOptions> {
  constructor(
    /** The lead's id; ignored by CaptureLeadCommand, which derives or generates one. */
    readonly leadId: string,
    readonly body: Body,
    /** The authenticated principal (key:<name>, user:<subject>, host:<id>) or the policy (policy:<name>). */
    readonly actor: CommandActor,
    /** For commands a policy sends in reaction to an event: that event's id. */
    readonly causationId?: string,
  ) {}
}

/** Splits the options every command accepts from the command's own fields. */
export function splitOptions<Body extends CommandOptions>(body: Body): { options: CommandOptions; data: Omit<Body, keyof CommandOptions> } {
  const { commandId, expectedRevision, correlationId, occurredAt, requestHash, ...data } = body;
  return { options: { commandId, expectedRevision, correlationId, occurredAt, requestHash }, data };
}
