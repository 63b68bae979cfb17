import type { LeadEvent, LeadEventMetadata } from '@lead/domain';

/**
 * Published on the NestJS EventBus after an append, for embedders that react in process.
 * One envelope class (switch on `event.type`): the bus routes by class, and stored events are plain JSON.
 * Durable consumers (projections, policies) use checkpointed store subscriptions instead.
 */
export class LeadEventAppended {
  constructor(
    readonly event: LeadEvent,
    readonly metadata: LeadEventMetadata,
    readonly streamId: string,
    readonly revision: number,
    readonly position: string,
  ) {}
}
