import type { ProjectionDefinition } from '../runner/projection';
import { disqualificationsProjection } from './disqualifications/disqualifications.projection';
import { funnelProjection } from './funnel/funnel.projection';
import { nurtureQueueProjection } from './nurture-queue/nurture-queue.projection';
import { pipelineProjection } from './pipeline/pipeline.projection';

/** Every read model the engine maintains, by projection name: pipeline, nurture-queue, funnel, disqualifications. */
export const READ_MODEL_PROJECTIONS: readonly ProjectionDefinition[] = [
  pipelineProjection,
  nurtureQueueProjection,
  funnelProjection,
  disqualificationsProjection,
];
