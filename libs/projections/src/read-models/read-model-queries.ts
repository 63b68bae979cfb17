import { Inject, Injectable } from '@nestjs/common';
import type { ReadStore } from '../read-store/read-store.port';
import { READ_STORE } from '../projections.tokens';
import {
  queryDisqualifications,
  type Disqualification,
  type DisqualificationsQuery,
} from './disqualifications/disqualifications.projection';
import { queryFunnel, type FunnelQuery, type FunnelReport } from './funnel/funnel.query';
import { queryNurtureQueue, type NurtureQueueItem, type NurtureQueueQuery } from './nurture-queue/nurture-queue.projection';
import type { Page } from './paging';
import { pipelineLead, queryPipeline, type PipelineLead, type PipelineQuery } from './pipeline/pipeline.projection';

/** The read models' queries, for hosts that embed the engine (the HTTP controllers use the same). */
@Injectable()
export class ReadModelQueries {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  pipeline(query: PipelineQuery = {}): Promise<Page<PipelineLead>> {
    return queryPipeline(this.readStore, query);
  }

  pipelineLead(leadId: string): Promise<PipelineLead | null> {
    return pipelineLead(this.readStore, leadId);
  }

  nurtureQueue(query: NurtureQueueQuery = {}): Promise<Page<NurtureQueueItem>> {
    return queryNurtureQueue(this.readStore, query);
  }

  funnel(query: FunnelQuery): Promise<FunnelReport> {
    return queryFunnel(this.readStore, query);
  }

  disqualifications(query: DisqualificationsQuery = {}): Promise<Page<Disqualification>> {
    return queryDisqualifications(this.readStore, query);
  }
}
