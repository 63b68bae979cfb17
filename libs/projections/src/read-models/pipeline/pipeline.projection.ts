/**
 * Pipeline: one row per lead, where it stands now.
 *
 * - `stage`: the lead's status after its last event (`LEAD_LIFECYCLE` in lead-domain: captured → open, qualified,
 *   nurturing, reactivated → open, disqualified, handed_to_sales, won, lost, merged, erased).
 * - `owner` / `segment`: from the last LeadAssigned (segment only when the event names one);
 *   HandedToSales with an owner also sets the owner.
 * - `score`, `temperature`, `scoringModelVersion`: from the last LeadScored; null until scored.
 * - `kind`, `channel`, `origin`, `campaign`: as captured. `companyName`, `industry`, `contactName`:
 *   as captured or last corrected; PersonalDataErased sets `contactName` to null (the pipeline keeps no
 *   email, phone or decision maker).
 * - `capturedAt`: business time of LeadCaptured. `lastActivityAt`: the latest business time of anything
 *   that happened to the lead — every event's occurredAt except LeadScored (a recomputation, not an
 *   activity), and the activityAt of ActivityRecorded.
 * - `revision` / `position`: stream revision and global position of the lead's last event.
 * - `survivorLeadId`: set when the lead was merged into another.
 *
 * Query: filter by stage, owner, segment, temperature, channel (equality); sort by score (descending,
 * unscored last) or lastActivityAt (descending); keyset pagination with an opaque cursor, limit ≤ 200.
 */
import { LEAD_LIFECYCLE, type Channel, type LeadKind, type LeadStatus, type Origin, type Temperature } from '@lead/domain';
import type { ReadStore } from '../../read-store/read-store.port';
import { ALL_LEAD_EVENT_TYPES, isoTime, type AnyLeadEventEnvelope, type ProjectionDefinition } from '../../runner/projection';
import type { ProjectionTx } from '../../runner/projection-tx';
import { decodeCursor, encodeCursor, pageSize, toPage, type Page } from '../paging';

export const PIPELINE = 'pipeline';

export type PipelineLead = {
  leadId: string;
  stage: LeadStatus;
  kind: LeadKind;
  contactName: string | null;
  companyName: string | null;
  industry: string | null;
  channel: Channel;
  origin: Origin | null;
  campaign: string | null;
  owner: string | null;
  segment: string | null;
  score: number | null;
  temperature: Temperature | null;
  scoringModelVersion: string | null;
  capturedAt: string;
  lastActivityAt: string;
  survivorLeadId: string | null;
  revision: number;
  position: string;
};

export const pipelineProjection: ProjectionDefinition = {
  name: PIPELINE,
  version: 1,
  collections: [
    {
      name: PIPELINE,
      fields: {
        stage: 'text',
        owner: 'text',
        segment: 'text',
        temperature: 'text',
        channel: 'text',
        score: 'number',
        lastActivityAt: 'text',
      },
      indexes: [
        [['score', -1]],
        [['lastActivityAt', -1]],
        [
          ['stage', 1],
          ['score', -1],
        ],
        [
          ['stage', 1],
          ['lastActivityAt', -1],
        ],
        [
          ['owner', 1],
          ['score', -1],
        ],
        [
          ['segment', 1],
          ['score', -1],
        ],
        [
          ['temperature', 1],
          ['score', -1],
        ],
        [
          ['channel', 1],
          ['score', -1],
        ],
      ],
    },
  ],
  // Every lead event moves revision and position; all but LeadScored also move lastActivityAt.
  handles: ALL_LEAD_EVENT_TYPES,
  reads(event, read) {
    if (event.type !== 'LeadCaptured') read(PIPELINE, event.leadId);
  },
  creates(event, create) {
    if (event.type === 'LeadCaptured') create(PIPELINE, event.leadId);
  },
  apply: applyToPipeline,
};

function applyToPipeline(event: AnyLeadEventEnvelope, tx: ProjectionTx): void {
  if (event.type === 'LeadCaptured') {
    const { kind, contact, company, source } = event.data;
    const lead: PipelineLead = {
      leadId: event.leadId,
      stage: 'open',
      kind,
      contactName: contact?.name ?? null,
      companyName: company?.name ?? null,
      industry: company?.industry ?? null,
      channel: source.channel,
      origin: source.origin ?? null,
      campaign: source.campaign ?? null,
      owner: null,
      segment: null,
      score: null,
      temperature: null,
      scoringModelVersion: null,
      capturedAt: event.occurredAt,
      lastActivityAt: event.occurredAt,
      survivorLeadId: null,
      revision: event.revision,
      position: event.positionText,
    };
    tx.put(PIPELINE, event.leadId, lead);
    return;
  }

  const lead = tx.get<PipelineLead>(PIPELINE, event.leadId);
  if (!lead) throw new Error(`lead ${event.leadId} has no LeadCaptured before this event`);
  switch (event.type) {
    case 'ContactDetailsCorrected':
      if (lead.stage !== 'erased') lead.contactName = event.data.contact?.name ?? lead.contactName;
      if (event.data.company) {
        lead.companyName = event.data.company.name ?? lead.companyName;
        lead.industry = event.data.company.industry ?? lead.industry;
      }
      break;
    case 'ActivityRecorded': {
      const at = isoTime(event.data.activityAt);
      if (at !== null && at > lead.lastActivityAt) lead.lastActivityAt = at;
      break;
    }
    case 'LeadScored':
      lead.score = event.data.total;
      lead.temperature = event.data.temperature;
      lead.scoringModelVersion = event.data.modelVersion;
      break;
    case 'LeadAssigned':
      lead.owner = event.data.owner;
      if (event.data.segment) lead.segment = event.data.segment;
      break;
    case 'HandedToSales':
      if (event.data.owner) lead.owner = event.data.owner;
      break;
    case 'DuplicateMerged':
      lead.survivorLeadId = event.data.survivorLeadId;
      break;
    case 'PersonalDataErased':
      lead.contactName = null;
      break;
    default:
      break;
  }
  const stage = LEAD_LIFECYCLE[event.type];
  if (stage) lead.stage = stage;
  if (event.type !== 'LeadScored' && event.occurredAt > lead.lastActivityAt) lead.lastActivityAt = event.occurredAt;
  lead.revision = event.revision;
  lead.position = event.positionText;
  tx.put(PIPELINE, event.leadId, lead);
}

// ---------------------------------------------------------------- query

export const PIPELINE_SORTS = ['score', 'lastActivityAt'] as const;
export type PipelineSort = (typeof PIPELINE_SORTS)[number];

export interface PipelineQuery {
  readonly stage?: LeadStatus;
  readonly owner?: string;
  readonly segment?: string;
  readonly temperature?: Temperature;
  readonly channel?: string;
  /** Default score (descending, unscored last); lastActivityAt is descending too. */
  readonly sort?: PipelineSort;
  readonly limit?: number;
  readonly cursor?: string;
}

export async function queryPipeline(readStore: ReadStore, query: PipelineQuery = {}): Promise<Page<PipelineLead>> {
  const sort = query.sort ?? 'score';
  const limit = pageSize(query.limit);
  const list = `pipeline:${sort}`;
  const filter: Record<string, string> = {};
  for (const field of ['stage', 'owner', 'segment', 'temperature', 'channel'] as const) {
    const value = query[field];
    if (value !== undefined) filter[field] = value;
  }
  const rows = await readStore.find(PIPELINE, {
    filter,
    sort: { field: sort, direction: -1 },
    ...(query.cursor ? { after: decodeCursor(list, query.cursor) } : {}),
    limit: limit + 1,
  });
  return toPage(
    rows as PipelineLead[],
    limit,
    (lead) => encodeCursor(list, lead[sort], lead.leadId),
    (lead) => lead,
  );
}

export async function pipelineLead(readStore: ReadStore, leadId: string): Promise<PipelineLead | null> {
  return (await readStore.get(PIPELINE, leadId)) as PipelineLead | null;
}
