import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { LeadEventAppended } from '@lead/lifecycle';

export interface SeenEvent {
  readonly type: string;
  readonly leadId: string;
  readonly actor: string;
  readonly position: string;
}

const KEEP = 100;

/**
 * In process: every append, as the engine publishes it on the EventBus. Not durable (an event appended
 * while the host was down is never seen here); HandOffNotifier shows the durable way.
 * Keeps types and ids only: event data carries personal details.
 */
@EventsHandler(LeadEventAppended)
export class RecentLeadEvents implements IEventHandler<LeadEventAppended> {
  readonly seen: SeenEvent[] = [];

  handle({ event, metadata, streamId, position }: LeadEventAppended): void {
    this.seen.push({ type: event.type, leadId: streamId.replace(/^lead-/, ''), actor: metadata.actor, position });
    if (this.seen.length > KEEP) this.seen.shift();
  }
}
