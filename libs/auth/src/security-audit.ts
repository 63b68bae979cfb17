import { randomUUID } from 'node:crypto';
import type { EventStore, RecordedEvent } from '@lead/event-store';
import { actorOf, type Principal } from './principal';

/** Security-relevant acts, each an event on a stream of its own. */
export const SECURITY_AUDIT_STREAM = 'security-audit';

export type SecurityAct =
  | { type: 'ApiKeyCreated'; data: { name: string; roles: readonly string[] } }
  | { type: 'ApiKeyRevoked'; data: { name: string } }
  | { type: 'ProjectionRebuildRequested'; data: { projection: string } }
  | { type: 'PersonalDataErasureRequested'; data: { leadId: string } };

export interface SecurityAuditEntry {
  type: string;
  data: unknown;
  actor: string;
  actorKind: string;
  onBehalfOf?: string;
  at: string;
  position: string;
}

/** Records security-relevant acts with their principal, and lists them (the audit CLI and GET /admin/audit). */
export class SecurityAudit {
  constructor(private readonly store: EventStore) {}

  async record(act: SecurityAct, principal: Principal, onBehalfOf?: string): Promise<void> {
    const id = randomUUID();
    await this.store.appendToStream(
      SECURITY_AUDIT_STREAM,
      [
        {
          id,
          type: act.type,
          data: act.data,
          metadata: {
            eventId: id,
            actor: actorOf(principal),
            actorKind: principal.kind,
            ...(onBehalfOf ? { onBehalfOf } : {}),
            occurredAt: new Date().toISOString(),
          },
        },
      ],
      { expectedRevision: 'any' },
    );
  }

  /**
   * The security stream, and the scoring-models stream, whose activations and trainings carry their actor
   * already: together, in the order they were recorded.
   */
  async list(extraStreams: readonly string[] = ['scoring-models']): Promise<SecurityAuditEntry[]> {
    const streams = await Promise.all([SECURITY_AUDIT_STREAM, ...extraStreams].map((s) => this.store.readStream(s)));
    return streams
      .flat()
      .sort((a, b) => (a.position.commit < b.position.commit ? -1 : a.position.commit > b.position.commit ? 1 : 0))
      .map(toEntry);
  }
}

function toEntry(e: RecordedEvent): SecurityAuditEntry {
  const m = e.metadata as Record<string, unknown>;
  const actor = String(m.actor ?? 'unknown');
  return {
    type: e.type,
    data: e.streamId === SECURITY_AUDIT_STREAM ? e.data : summary(e.data),
    actor,
    actorKind: String(m.actorKind ?? kindOfActor(actor)),
    ...(typeof m.onBehalfOf === 'string' ? { onBehalfOf: m.onBehalfOf } : {}),
    at: String(m.occurredAt ?? e.recordedAt.toISOString()),
    position: String(e.position.commit),
  };
}

/** A model activation or training is listed by its version, not the whole model. */
const summary = (data: unknown) => {
  const d = data as { version?: unknown };
  return { version: d.version };
};

export const kindOfActor = (actor: string): string =>
  actor.startsWith('key:')
    ? 'api_key'
    : actor.startsWith('user:')
      ? 'jwt'
      : actor.startsWith('policy:')
        ? 'policy'
        : actor.startsWith('host:')
          ? 'host'
          : actor === 'anonymous'
            ? 'anonymous'
            : 'unknown';
