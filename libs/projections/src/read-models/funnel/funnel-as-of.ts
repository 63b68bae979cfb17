import type { ProjectionDefinition } from '../../runner/projection';
import { FUNNEL_LEADS, funnelProjection } from './funnel.projection';

/**
 * The funnel projection as it stood at `asOf` (an ISO time, business time): events that occurred
 * after it are passed over, and so are later events of a lead captured after it. Replayed into a
 * scratch read store, it answers "what did the funnel look like on that date" with the same queries.
 */
export function funnelAsOf(asOf: string): ProjectionDefinition {
  return {
    ...funnelProjection,
    name: `funnel-as-of-${asOf}`,
    reads(event, read) {
      if (event.occurredAt <= asOf) funnelProjection.reads(event, read);
    },
    creates(event, create) {
      if (event.occurredAt <= asOf) funnelProjection.creates?.(event, create);
    },
    apply(event, tx) {
      if (event.occurredAt > asOf) return;
      // A lead captured after the date has no funnel row then, whatever it did earlier by its business times.
      if (event.type !== 'LeadCaptured' && tx.get(FUNNEL_LEADS, event.leadId) === undefined) return;
      funnelProjection.apply(event, tx);
    },
  };
}
