import type {
  Budget,
  Company,
  Contact,
  DecisionMaker,
  DisqualificationReason,
  LeadAttributes,
  LeadKind,
  LeadSource,
  NurtureTrack,
  ScoreContribution,
  Temperature,
} from './lead.events';

/**
 * What every command carries besides its intent. Time is passed in, never read from a clock,
 * so the decider stays pure and replayable.
 */
export interface CommandContext {
  commandId: string;
  leadId: string;
  /** Business time of the fact (defaults to now; imports set it in the past). */
  occurredAt: Date;
  /** When the engine handles the command; occurredAt may not be after it. */
  now: Date;
  actor: string;
}

type Command<T extends string, D> = { type: T; data: D } & CommandContext;

export type CaptureLead = Command<
  'CaptureLead',
  { kind: LeadKind; contact: Contact; company?: Company; source: LeadSource; need?: string; attributes?: LeadAttributes }
>;
export type CorrectContactDetails = Command<'CorrectContactDetails', { contact?: Partial<Contact>; company?: Partial<Company> }>;
export type ConfirmNeed = Command<'ConfirmNeed', { need: string; productLine?: string }>;
export type VerifyBudget = Command<'VerifyBudget', Budget>;
export type ReachDecisionMaker = Command<'ReachDecisionMaker', DecisionMaker>;
export type RecordActivity = Command<'RecordActivity', { activityType: string; details?: Record<string, string | number | boolean> }>;
export type RecordScore = Command<
  'RecordScore',
  { total: number; temperature: Temperature; modelVersion: string; breakdown: ScoreContribution[]; scoredAt: string }
>;
export type QualifyLead = Command<'QualifyLead', { reason: string }>;
export type AssignLead = Command<'AssignLead', { owner: string; rule: string; productLine?: string; segment?: string }>;
export type SendToNurture = Command<'SendToNurture', { reason: string; track: NurtureTrack; revisitAt?: Date }>;
export type ReactivateLead = Command<'ReactivateLead', { reason: string }>;
export type DisqualifyLead = Command<'DisqualifyLead', { reason: DisqualificationReason; note: string; rule?: string }>;
export type HandToSales = Command<'HandToSales', { owner?: string; override?: { reason: string } }>;
export type ReportSaleOutcome = Command<
  'ReportSaleOutcome',
  { outcome: 'won' | 'lost'; reason?: string; needRemains?: boolean; amount?: number; currency?: string }
>;
export type MergeDuplicate = Command<'MergeDuplicate', { survivorLeadId: string; note?: string }>;
export type ErasePersonalData = Command<'ErasePersonalData', { reason: string }>;

export type LeadCommand =
  | CaptureLead
  | CorrectContactDetails
  | ConfirmNeed
  | VerifyBudget
  | ReachDecisionMaker
  | RecordActivity
  | RecordScore
  | QualifyLead
  | AssignLead
  | SendToNurture
  | ReactivateLead
  | DisqualifyLead
  | HandToSales
  | ReportSaleOutcome
  | MergeDuplicate
  | ErasePersonalData;

export type LeadCommandType = LeadCommand['type'];
