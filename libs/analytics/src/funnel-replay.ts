import type { EventStore, Position, RecordedEvent } from '@lead/event-store';
import type { FunnelDefinition, FunnelStep, StepFilter } from './funnel-definition';

/** Bitemporal coordinates of a replay: either, both or neither. */
export interface TimeTravel {
  /** As the data was known then: only events the store had recorded by this time (ISO). */
  readonly knownAt?: string;
  /** As it had happened by then: only events whose business time (metadata.occurredAt) is at or before this time (ISO). */
  readonly asOccurred?: string;
}

export const NONE = '(none)';

/**
 * One lead's state under a definition: its properties, when it reached each step, its touches and
 * its latest status. This is all a replay keeps: memory grows with leads, not with events.
 */
export interface LeadTrack {
  readonly leadId: string;
  readonly props: Record<string, string>;
  /** Business time (ms) each step was reached, null if not (yet). */
  readonly stepAt: (number | null)[];
  excluded: boolean;
  status: string;
  disqualifiedReason: string | null;
  /** Activity type of the first activity, and of the last one before conversion. */
  firstTouch: string | null;
  lastTouch: string | null;
}

const STATUS_OF: Record<string, string> = {
  LeadCaptured: 'open',
  LeadReactivated: 'open',
  LeadQualified: 'qualified',
  SentToNurture: 'nurturing',
  Disqualified: 'disqualified',
  HandedToSales: 'handed_to_sales',
  SaleWon: 'won',
  SaleLost: 'lost',
  DuplicateMerged: 'merged',
  PersonalDataErased: 'erased',
};

type Data = Record<string, unknown>;

/** Folds events into lead tracks under one definition, leaving out what time travel excludes. */
export class FunnelReplay {
  readonly leads = new Map<string, LeadTrack>();
  events = 0;
  skipped = 0;
  private readonly knownAtMs: number;
  private readonly asOccurred: string | null;
  private readonly matchers: Matcher[];
  private readonly exclusions: Matcher[];

  constructor(
    readonly definition: FunnelDefinition,
    readonly travel: TimeTravel = {},
  ) {
    this.knownAtMs = travel.knownAt === undefined ? Infinity : Date.parse(travel.knownAt);
    this.asOccurred = travel.asOccurred ?? null;
    this.matchers = definition.steps.map(matcher);
    this.exclusions = definition.exclusions.map(matcher);
  }

  apply(event: RecordedEvent): void {
    this.events++;
    if (event.recordedAt.getTime() > this.knownAtMs) return void this.skipped++;
    const occurredAt = (event.metadata as { occurredAt?: string }).occurredAt ?? event.recordedAt.toISOString();
    // ISO strings in UTC compare as times; an event that occurred later is not there yet.
    if (this.asOccurred !== null && occurredAt > this.asOccurred) return void this.skipped++;
    const data = event.data as Data;
    const leadId = data?.leadId;
    if (typeof leadId !== 'string') return;
    let lead = this.leads.get(leadId);
    if (event.type === 'LeadCaptured') {
      if (lead) return;
      lead = captured(leadId, data, this.definition.steps.length);
      this.leads.set(leadId, lead);
    } else if (!lead) return;
    else evolveProps(lead, event.type, data);
    this.advance(lead, event.type, data, Date.parse(occurredAt));
  }

  private advance(lead: LeadTrack, type: string, data: Data, at: number): void {
    const { stepAt } = lead;
    const { definition } = this;
    const converted = definition.convertedStep;
    if (type === 'ActivityRecorded' && stepAt[converted] === null) {
      const activity = String(data.activityType ?? NONE);
      lead.firstTouch ??= activity;
      lead.lastTouch = activity;
    }
    if (STATUS_OF[type] !== undefined) {
      lead.status = STATUS_OF[type];
      if (type === 'Disqualified') lead.disqualifiedReason = String(data.reason ?? 'other');
    }
    if (stepAt[0] === null) {
      if (this.matchers[0](type, data, lead)) stepAt[0] = at;
      return;
    }
    if (lead.excluded || (definition.windowMs !== null && at - stepAt[0] > definition.windowMs)) return;
    for (const excludes of this.exclusions) if (excludes(type, data, lead)) lead.excluded = true;
    if (lead.excluded) return;
    for (let i = 1; i < stepAt.length; i++) {
      if (stepAt[i] !== null || !this.matchers[i](type, data, lead)) continue;
      if (definition.order === 'ordered') {
        if (stepAt[i - 1] === null) continue;
        stepAt[i] = at;
        return; // one event reaches one step of a sequence
      }
      stepAt[i] = at;
    }
  }
}

type Matcher = (type: string, data: Data, lead: LeadTrack) => boolean;

function matcher(step: FunnelStep): Matcher {
  const types = new Set(step.events);
  const filters = step.where.map(filterOf);
  return (type, data, lead) => types.has(type) && filters.every((f) => f(data, lead));
}

function filterOf(filter: StepFilter): (data: Data, lead: LeadTrack) => boolean {
  const [root, ...path] = filter.field.split('.');
  const wanted = new Set(filter.values.map(String));
  if (root === 'lead') {
    const property = path.join('.');
    return (_data, lead) => wanted.has(lead.props[property] ?? NONE);
  }
  return (data) => {
    let value: unknown = data;
    for (const key of path) value = (value as Data | undefined)?.[key];
    return value !== undefined && value !== null && wanted.has(String(value));
  };
}

/** The lead's properties as captured; the breakdown and `lead.` filters read them. */
function captured(leadId: string, data: Data, steps: number): LeadTrack {
  const source = (data.source ?? {}) as Data;
  const company = (data.company ?? {}) as Data;
  const props: Record<string, string> = {
    channel: str(source.channel),
    origin: str(source.origin),
    campaign: str(source.campaign),
    kind: str(data.kind),
    industry: str(company.industry),
    country: str(company.country),
    segment: NONE,
    owner: NONE,
    scoreBand: NONE,
  };
  for (const [key, value] of Object.entries((data.attributes ?? {}) as Data)) props[`attributes.${key}`] = str(value);
  return {
    leadId,
    props,
    stepAt: new Array<number | null>(steps).fill(null),
    excluded: false,
    status: 'open',
    disqualifiedReason: null,
    firstTouch: null,
    lastTouch: null,
  };
}

function evolveProps(lead: LeadTrack, type: string, data: Data): void {
  switch (type) {
    case 'LeadAssigned':
      lead.props.owner = str(data.owner);
      if (data.segment) lead.props.segment = str(data.segment);
      break;
    case 'HandedToSales':
      if (data.owner) lead.props.owner = str(data.owner);
      break;
    case 'LeadScored':
      // The band of the lead's first score: where it stood when it came in.
      if (lead.props.scoreBand === NONE) lead.props.scoreBand = str(data.temperature);
      break;
  }
}

function str(value: unknown): string {
  return value === undefined || value === null || value === '' ? NONE : String(value);
}

export interface ReplayProgress {
  (events: number): void;
}

/**
 * Reads the whole log from the store, a page at a time, into a replay. Pages come from a
 * subscription's `takeAvailable` where the adapter has it (no promise per event), else from readAll.
 */
export async function replayHistory(
  store: EventStore,
  definition: FunnelDefinition,
  travel: TimeTravel = {},
  onProgress?: ReplayProgress,
): Promise<FunnelReplay> {
  const replay = new FunnelReplay(definition, travel);
  const head = await store.headPosition();
  if (head === null) return replay;
  const pageSize = 2000;
  let from: Position | undefined;
  for (;;) {
    const page = await store.readAll({ ...(from ? { fromPosition: from } : {}), maxCount: pageSize + (from ? 1 : 0) });
    // readAll starts at `from` inclusive: the first event of a later page is the last of the one before.
    const start = from && page.length > 0 && page[0].position.commit === from.commit && page[0].position.prepare === from.prepare ? 1 : 0;
    for (let i = start; i < page.length; i++) replay.apply(page[i]);
    onProgress?.(replay.events);
    if (page.length - start < pageSize) break;
    from = page[page.length - 1].position;
    if (from.commit >= head.commit && from.prepare >= head.prepare) break;
  }
  return replay;
}
