/**
 * The lead's event vocabulary. Types are stable strings: they are what the store keeps,
 * so renaming one is a schema migration, not a refactoring.
 */

export const LEAD_KINDS = ['B2B', 'B2C'] as const;
export type LeadKind = (typeof LEAD_KINDS)[number];

/** What the lead did to reach us. */
export const CHANNELS = [
  'web_form',
  'ebook',
  'trial',
  'price_request',
  'event',
  'referral',
  'trade_show',
  'inbound_email',
  'phone_call',
  'other',
] as const;
export type Channel = (typeof CHANNELS)[number];

/** Where the traffic came from. */
export const ORIGINS = [
  'organic_search',
  'paid_search',
  'social',
  'email',
  'referral',
  'direct_traffic',
  'display',
  'offline',
  'other',
  'unknown',
] as const;
export type Origin = (typeof ORIGINS)[number];

export const DEFAULT_ACTIVITY_TYPES = [
  'page_visit',
  'whitepaper_download',
  'ebook_download',
  'webinar_registration',
  'contact_form',
  'call_booked',
  'email_reply',
  'trial_signup',
  'price_request',
  'unsubscribed',
] as const;

export const DISQUALIFICATION_REASONS = [
  'not_target',
  'b2c_for_b2b',
  'no_need',
  'wrong_product',
  'insufficient_budget',
  'no_decision_maker',
  'unreachable',
  'duplicate',
  'spam',
  'other',
] as const;
export type DisqualificationReason = (typeof DISQUALIFICATION_REASONS)[number];

export const NURTURE_TRACKS = ['nurture', 'content'] as const;
export type NurtureTrack = (typeof NURTURE_TRACKS)[number];

export const TEMPERATURES = ['hot', 'warm', 'cold'] as const;
export type Temperature = (typeof TEMPERATURES)[number];

export interface Contact {
  name: string;
  email?: string;
  phone?: string;
}

export interface Company {
  name: string;
  industry?: string;
  employees?: number;
  annualRevenue?: number;
  foundedYear?: number;
  country?: string;
}

export type LeadAttributes = Record<string, string | number | boolean>;

export interface LeadSource {
  channel: Channel;
  origin?: Origin;
  campaign?: string;
  referrer?: string;
}

export interface Budget {
  amount?: number;
  currency?: string;
  /** ISO date from which the budget is available (e.g. only at year end: too early). */
  availableFrom?: string;
}

export interface DecisionMaker {
  name: string;
  role: string;
}

export interface ScoreContribution {
  /** Stable rule id, e.g. "engagement.call_booked" or "fit.industry". */
  rule: string;
  points: number;
  detail?: string;
}

/** The facts the lead had when a decision was taken, for the audit trail. */
export interface LeadFactsSnapshot {
  need?: string;
  productLine?: string;
  budget?: Budget;
  decisionMaker?: DecisionMaker;
  score?: number;
  temperature?: Temperature;
  scoringModelVersion?: string;
}

export type LeadCaptured = {
  type: 'LeadCaptured';
  data: {
    leadId: string;
    kind: LeadKind;
    contact: Contact;
    company?: Company;
    source: LeadSource;
    need?: string;
    /** Further profile answers (form fields, occupation, city…) for scoring and segmentation. */
    attributes?: LeadAttributes;
    /** Lower-cased, trimmed email and digits-only phone, for duplicate detection. */
    normalizedEmail?: string;
    normalizedPhone?: string;
  };
};

export type ContactDetailsCorrected = {
  type: 'ContactDetailsCorrected';
  data: {
    leadId: string;
    /** The full contact after the correction. */
    contact: Contact;
    company?: Company;
    normalizedEmail?: string;
    normalizedPhone?: string;
    changedFields: string[];
  };
};

export type NeedConfirmed = { type: 'NeedConfirmed'; data: { leadId: string; need: string; productLine?: string } };
export type BudgetVerified = { type: 'BudgetVerified'; data: { leadId: string } & Budget };
export type DecisionMakerReached = { type: 'DecisionMakerReached'; data: { leadId: string } & DecisionMaker };

export type ActivityRecorded = {
  type: 'ActivityRecorded';
  data: { leadId: string; activityType: string; activityAt: string; details?: Record<string, string | number | boolean> };
};

export type LeadScored = {
  type: 'LeadScored';
  data: {
    leadId: string;
    total: number;
    temperature: Temperature;
    previousTemperature?: Temperature;
    modelVersion: string;
    /** Every rule's contribution; the points add up to the total. */
    breakdown: ScoreContribution[];
    /** The clock the score was computed for (decay depends on it). */
    scoredAt: string;
  };
};

export type LeadQualified = {
  type: 'LeadQualified';
  data: { leadId: string; how: 'automatic' | 'manual'; reason?: string; facts: LeadFactsSnapshot };
};

export type LeadAssigned = {
  type: 'LeadAssigned';
  data: { leadId: string; owner: string; rule: string; productLine?: string; segment?: string };
};

export type SentToNurture = {
  type: 'SentToNurture';
  data: { leadId: string; reason: string; track: NurtureTrack; revisitAt?: string };
};

export type LeadReactivated = {
  type: 'LeadReactivated';
  data: { leadId: string; reason: string; previousStatus: 'nurturing' | 'disqualified' | 'lost' };
};

export type Disqualified = {
  type: 'Disqualified';
  data: { leadId: string; reason: DisqualificationReason; note: string; rule?: string; facts: LeadFactsSnapshot };
};

export type HandedToSales = {
  type: 'HandedToSales';
  data: { leadId: string; owner?: string; qualified: boolean; override?: { reason: string }; facts: LeadFactsSnapshot };
};

export type SaleWon = { type: 'SaleWon'; data: { leadId: string; reason?: string; amount?: number; currency?: string } };
export type SaleLost = { type: 'SaleLost'; data: { leadId: string; reason: string; needRemains: boolean } };

export type DuplicateMerged = {
  type: 'DuplicateMerged';
  data: { leadId: string; survivorLeadId: string; note?: string };
};

export type PersonalDataErased = {
  type: 'PersonalDataErased';
  data: { leadId: string; reason: string; erasedFields: string[] };
};

export type LeadEvent =
  | LeadCaptured
  | ContactDetailsCorrected
  | NeedConfirmed
  | BudgetVerified
  | DecisionMakerReached
  | ActivityRecorded
  | LeadScored
  | LeadQualified
  | LeadAssigned
  | SentToNurture
  | LeadReactivated
  | Disqualified
  | HandedToSales
  | SaleWon
  | SaleLost
  | DuplicateMerged
  | PersonalDataErased;

export type LeadEventType = LeadEvent['type'];

/** Schema version of the engine's other events (claims, scoring models); a lead event's is leadEventSchemaVersion(type) (lead.upcasters.ts). */
export const EVENT_SCHEMA_VERSION = 1;

export type ActorKind = 'api_key' | 'jwt' | 'policy' | 'host' | 'anonymous';

/** Metadata every stored event carries. */
export type LeadEventMetadata = {
  eventId: string;
  commandId: string;
  correlationId: string;
  /** The command id for events a command caused; the triggering event id for reactions of a policy. */
  causationId: string;
  /** key:<keyName>, user:<subject>, policy:<name>, host:<id>; "anonymous" only with AUTH=off. */
  actor: string;
  /** The kind of principal behind `actor`. */
  actorKind?: ActorKind;
  /** The person a `service` principal acted for (X-On-Behalf-Of); only then. */
  onBehalfOf?: string;
  /** Business time: when it happened in the world (imports set it in the past). */
  occurredAt: string;
  schemaVersion: number;
  /** Hash of the canonical HTTP request that issued the command: a replay under the same key with another body is refused. */
  requestHash?: string;
};

export const leadStreamId = (leadId: string): string => `lead-${leadId}`;
export const LEAD_STREAM_PREFIX = 'lead-';
