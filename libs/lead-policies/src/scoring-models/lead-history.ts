import { evolve, initialLeadState, type LeadAttributes, type LeadEvent, type LeadState, type LeadStatus } from '@lead/domain';
import { leadFeatures, normaliseKey, type FeatureVector, type PredictiveLeadProfile, type ScoringActivity } from '@lead/scoring';

/**
 * What scoring, training and backtests read of one lead's stream: the profile as last corrected,
 * the activities with their times, the confirmed need and product line, and the outcome.
 */
export interface LeadHistory {
  leadId: string;
  status: LeadStatus | 'none';
  capturedAt?: string;
  profile?: PredictiveLeadProfile;
  attributes?: LeadAttributes;
  activities: ScoringActivity[];
  /** The last outcome of the lead's current episode (a reactivation starts a new one). */
  outcome?: { converted: boolean; by: 'SaleWon' | 'SaleLost' | 'Disqualified'; at: string };
  /** When the lead was first handed to sales or disqualified: the moment "hot or not" mattered. */
  decidedAt?: string;
}

export interface HistoryEntry {
  event: LeadEvent;
  occurredAt: string;
}

export function emptyHistory(leadId: string): LeadHistory & { state: LeadState } {
  return { leadId, status: 'none', activities: [], state: initialLeadState };
}

/** Folds one event into a history; call in stream order. */
export function foldHistory(
  h: LeadHistory & { state: LeadState },
  { event, occurredAt }: HistoryEntry,
): LeadHistory & { state: LeadState } {
  const state = evolve(h.state, event);
  const next = { ...h, state, status: state.status };
  switch (event.type) {
    case 'LeadCaptured': {
      const { kind, contact, company, source, need, attributes } = event.data;
      return {
        ...next,
        capturedAt: occurredAt,
        profile: {
          kind,
          ...(contact.email ? { email: contact.email } : {}),
          ...(company ? { company } : {}),
          source,
          ...(need ? { need } : {}),
        },
        ...(attributes ? { attributes } : {}),
      };
    }
    case 'ContactDetailsCorrected': {
      if (!next.profile) return next;
      const { email: _, ...rest } = next.profile;
      return {
        ...next,
        profile: {
          ...rest,
          ...(event.data.contact.email ? { email: event.data.contact.email } : {}),
          ...(event.data.company ? { company: event.data.company } : {}),
        },
      };
    }
    case 'NeedConfirmed':
      return next.profile
        ? {
            ...next,
            profile: { ...next.profile, need: event.data.need, ...(event.data.productLine ? { productLine: event.data.productLine } : {}) },
          }
        : next;
    case 'ActivityRecorded':
      return { ...next, activities: [...next.activities, { type: event.data.activityType, at: event.data.activityAt }] };
    case 'HandedToSales':
      return { ...next, decidedAt: next.decidedAt ?? occurredAt };
    case 'Disqualified':
      return { ...next, decidedAt: next.decidedAt ?? occurredAt, outcome: { converted: false, by: 'Disqualified', at: occurredAt } };
    case 'SaleWon':
      return { ...next, outcome: { converted: true, by: 'SaleWon', at: occurredAt } };
    case 'SaleLost':
      return { ...next, outcome: { converted: false, by: 'SaleLost', at: occurredAt } };
    case 'LeadReactivated': {
      const { outcome: _, decidedAt: __, ...rest } = next;
      return rest;
    }
    case 'PersonalDataErased': {
      // Nothing of an erased lead is used any more, not even for training.
      return { leadId: next.leadId, status: 'erased', activities: [], state };
    }
    default:
      return next;
  }
}

export function leadHistory(leadId: string, entries: Iterable<HistoryEntry>): LeadHistory {
  let h = emptyHistory(leadId);
  for (const entry of entries) h = foldHistory(h, entry);
  const { state: _, ...history } = h;
  return history;
}

/**
 * The predictive model's view of a lead: profile and source features (industry, need, product line,
 * channel, origin, company age at capture, size, revenue, country) plus the lead's own form answers
 * (string and yes/no attributes). The same function serves training and scoring.
 */
export function predictiveFeatures(h: Pick<LeadHistory, 'profile' | 'attributes' | 'capturedAt'>): FeatureVector {
  if (!h.profile) return {};
  const features = leadFeatures(h.profile, new Date(h.capturedAt ?? 0));
  for (const [key, value] of Object.entries(h.attributes ?? {})) {
    if (typeof value === 'number') continue; // free numbers would make one category per value
    const v = typeof value === 'boolean' ? (value ? 'yes' : 'no') : normaliseKey(value);
    if (v) features[`attribute.${normaliseKey(key)}`] = v;
  }
  return features;
}
