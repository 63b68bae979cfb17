/**
 * The lead's rules in one place: `decide(command, state) → events` refuses with a LeadError
 * or returns the facts to append; `evolve(state, event) → state` folds a stored event.
 * Pure: no clock, no ids, no I/O, no framework.
 */
import { cleanContact, companyProblems, contactKeys, contactProblems } from './contact.rules';
import type { LeadCommand } from './lead.commands';
import { LeadNotFoundError, LeadRuleRefusedError, LeadValidationError, type FieldProblem } from './lead.errors';
import {
  CHANNELS,
  DEFAULT_ACTIVITY_TYPES,
  DISQUALIFICATION_REASONS,
  NURTURE_TRACKS,
  ORIGINS,
  TEMPERATURES,
  type Company,
  type Contact,
  type LeadAttributes,
  type LeadEvent,
  type LeadFactsSnapshot,
  type LeadKind,
  type LeadSource,
  type NurtureTrack,
} from './lead.events';
import { LEAD_LIFECYCLE } from './lead.lifecycle';
import type { LeadStatus } from './lead.status';

// ---------------------------------------------------------------- state

export interface LeadProfile {
  kind: LeadKind;
  contact: Contact;
  company?: Company;
  source: LeadSource;
  statedNeed?: string;
  attributes?: LeadAttributes;
}

/** What the lead's events have established: the snapshot that decisions record, plus routing facts. */
export interface LeadFacts extends LeadFactsSnapshot {
  owner?: string;
  segment?: string;
  lastActivityAt?: string;
}

interface Live<S extends LeadStatus> {
  status: S;
  leadId: string;
  profile: LeadProfile;
  facts: LeadFacts;
}

export type NoLead = { status: 'none' };
export type OpenLead = Live<'open'>;
export type QualifiedLead = Live<'qualified'>;
export type NurturingLead = Live<'nurturing'> & { nurture: { track: NurtureTrack; reason: string; revisitAt?: string } };
export type DisqualifiedLead = Live<'disqualified'> & { disqualification: { reason: string; note: string } };
export type HandedLead = Live<'handed_to_sales'> & { qualified: boolean };
export type WonLead = Live<'won'>;
export type LostLead = Live<'lost'>;
export type MergedLead = Live<'merged'> & { survivorLeadId: string };
export type ErasedLead = { status: 'erased'; leadId: string };

export type LeadState =
  NoLead | OpenLead | QualifiedLead | NurturingLead | DisqualifiedLead | HandedLead | WonLead | LostLead | MergedLead | ErasedLead;

export type ExistingLead = Exclude<LeadState, NoLead | ErasedLead>;

export const initialLeadState: LeadState = { status: 'none' };

/** Rules that deployments configure; the defaults follow PRODUCT.md. */
export interface LeadPolicy {
  activityTypes: readonly string[];
}
export const DEFAULT_LEAD_POLICY: LeadPolicy = { activityTypes: DEFAULT_ACTIVITY_TYPES };

// ---------------------------------------------------------------- evolve

/** The status of each new state comes from LEAD_LIFECYCLE: a literal per event, so the shape must match it. */
export function evolve(state: LeadState, event: LeadEvent): LeadState {
  const lifecycle = LEAD_LIFECYCLE;
  if (event.type === 'LeadCaptured') {
    const { leadId, kind, contact, company, source, need, attributes } = event.data;
    return { status: lifecycle.LeadCaptured, leadId, profile: { kind, contact, company, source, statedNeed: need, attributes }, facts: {} };
  }
  if (event.type === 'PersonalDataErased') return { status: lifecycle.PersonalDataErased, leadId: event.data.leadId };
  if (state.status === 'none' || state.status === 'erased') return state; // nothing to fold onto
  const base = { leadId: state.leadId, profile: state.profile, facts: state.facts };
  const withFacts = (facts: Partial<LeadFacts>): LeadState => ({ ...state, facts: { ...state.facts, ...facts } });

  switch (event.type) {
    case 'ContactDetailsCorrected':
      return { ...state, profile: { ...state.profile, contact: event.data.contact, company: event.data.company ?? state.profile.company } };
    case 'NeedConfirmed':
      return withFacts({ need: event.data.need, productLine: event.data.productLine ?? state.facts.productLine });
    case 'BudgetVerified': {
      const { leadId: _, ...budget } = event.data;
      return withFacts({ budget });
    }
    case 'DecisionMakerReached':
      return withFacts({ decisionMaker: { name: event.data.name, role: event.data.role } });
    case 'ActivityRecorded':
      return withFacts({ lastActivityAt: maxIso(state.facts.lastActivityAt, event.data.activityAt) });
    case 'LeadScored':
      return withFacts({ score: event.data.total, temperature: event.data.temperature, scoringModelVersion: event.data.modelVersion });
    case 'LeadAssigned':
      return withFacts({
        owner: event.data.owner,
        segment: event.data.segment ?? state.facts.segment,
        productLine: event.data.productLine ?? state.facts.productLine,
      });
    case 'LeadQualified':
      return { ...base, status: lifecycle.LeadQualified };
    case 'SentToNurture':
      return {
        ...base,
        status: lifecycle.SentToNurture,
        nurture: { track: event.data.track, reason: event.data.reason, revisitAt: event.data.revisitAt },
      };
    case 'LeadReactivated':
      return { ...base, status: lifecycle.LeadReactivated };
    case 'Disqualified':
      return { ...base, status: lifecycle.Disqualified, disqualification: { reason: event.data.reason, note: event.data.note } };
    case 'HandedToSales':
      return {
        ...base,
        status: lifecycle.HandedToSales,
        qualified: event.data.qualified,
        facts: { ...state.facts, owner: event.data.owner ?? state.facts.owner },
      };
    case 'SaleWon':
      return { ...base, status: lifecycle.SaleWon };
    case 'SaleLost':
      return { ...base, status: lifecycle.SaleLost };
    case 'DuplicateMerged':
      return { ...base, status: lifecycle.DuplicateMerged, survivorLeadId: event.data.survivorLeadId };
    default:
      return assertNever(event);
  }
}

export function foldLead(events: readonly LeadEvent[], from: LeadState = initialLeadState): LeadState {
  return events.reduce(evolve, from);
}

// ---------------------------------------------------------------- decide

export function decide(command: LeadCommand, state: LeadState, policy: LeadPolicy = DEFAULT_LEAD_POLICY): LeadEvent[] {
  const { leadId } = command;
  if (command.occurredAt.getTime() > command.now.getTime() + CLOCK_SKEW_MS) {
    throw LeadValidationError.of(
      'occurredAt',
      `must not be in the future (it is ${command.occurredAt.toISOString()}, now is ${command.now.toISOString()})`,
    );
  }

  if (command.type === 'CaptureLead') {
    if (state.status !== 'none') throw new LeadRuleRefusedError('lead.capture_once', `Lead ${leadId} has already been captured`);
    const { kind, contact, company, source, need, attributes } = command.data;
    const problems = [
      ...attributeProblems(attributes),
      ...contactProblems(contact),
      ...companyProblems(kind, company, command.now),
      ...oneOf('source.channel', source?.channel, CHANNELS),
      ...(source?.origin === undefined ? [] : oneOf('source.origin', source.origin, ORIGINS)),
      ...(need !== undefined ? text('need', need) : []),
    ];
    rejectIf(problems);
    const clean = cleanContact(contact);
    return [
      {
        type: 'LeadCaptured',
        data: {
          leadId,
          kind,
          contact: clean,
          ...(company ? { company: { ...company, name: company.name.trim() } } : {}),
          source,
          ...(need ? { need: need.trim() } : {}),
          ...(attributes && Object.keys(attributes).length ? { attributes } : {}),
          ...contactKeys(clean),
        },
      },
    ];
  }

  if (state.status === 'none') throw new LeadNotFoundError(leadId);
  if (state.status === 'erased') {
    if (command.type === 'ErasePersonalData') return [];
    throw new LeadRuleRefusedError('lead.erased', `Lead ${leadId} has had its personal data erased; it accepts no further commands`);
  }
  const lead = state;

  switch (command.type) {
    case 'CorrectContactDetails': {
      refuseIn(lead, ['merged'], 'correct the contact details of');
      const contact = { ...lead.profile.contact, ...command.data.contact } as Contact;
      const company = command.data.company ? ({ ...lead.profile.company, ...command.data.company } as Company) : lead.profile.company;
      rejectIf([...contactProblems(contact), ...companyProblems(lead.profile.kind, company, command.now)]);
      const clean = cleanContact(contact);
      const changedFields = [
        ...(['name', 'email', 'phone'] as const).filter((f) => clean[f] !== lead.profile.contact[f]).map((f) => `contact.${f}`),
        ...Object.keys(command.data.company ?? {})
          .filter((f) => company?.[f as keyof Company] !== lead.profile.company?.[f as keyof Company])
          .map((f) => `company.${f}`),
      ];
      if (changedFields.length === 0) return []; // the same details again change nothing
      return [
        {
          type: 'ContactDetailsCorrected',
          data: { leadId, contact: clean, ...(company ? { company } : {}), ...contactKeys(clean), changedFields },
        },
      ];
    }

    case 'ConfirmNeed': {
      allowIn(lead, ['open', 'qualified', 'nurturing'], 'confirm the need of');
      rejectIf([
        ...text('need', command.data.need),
        ...(command.data.productLine !== undefined ? text('productLine', command.data.productLine) : []),
      ]);
      const data = {
        leadId,
        need: command.data.need.trim(),
        ...(command.data.productLine ? { productLine: command.data.productLine.trim() } : {}),
      };
      return withAutomaticQualification(lead, { type: 'NeedConfirmed', data });
    }

    case 'VerifyBudget': {
      allowIn(lead, ['open', 'qualified', 'nurturing'], 'verify the budget of');
      const { amount, currency, availableFrom } = command.data;
      rejectIf([
        ...(amount !== undefined && !(Number.isFinite(amount) && amount >= 0)
          ? [{ field: 'amount', message: 'must be a non-negative number' }]
          : []),
        ...(currency !== undefined && !/^[A-Z]{3}$/.test(currency)
          ? [{ field: 'currency', message: 'must be an ISO 4217 code such as "EUR"' }]
          : []),
        ...(availableFrom !== undefined && Number.isNaN(Date.parse(availableFrom))
          ? [{ field: 'availableFrom', message: 'must be an ISO 8601 date' }]
          : []),
        ...(amount !== undefined && currency === undefined ? [{ field: 'currency', message: 'is required when amount is given' }] : []),
      ]);
      return withAutomaticQualification(lead, { type: 'BudgetVerified', data: { leadId, ...command.data } });
    }

    case 'ReachDecisionMaker': {
      allowIn(lead, ['open', 'qualified', 'nurturing'], 'record the decision maker of');
      rejectIf([...text('name', command.data.name), ...text('role', command.data.role)]);
      if (GATEKEEPER_ROLES.test(command.data.role)) {
        throw new LeadRuleRefusedError(
          'qualification.assistant_is_not_decision_maker',
          `"${command.data.role}" is not a decision maker: reaching an assistant or gatekeeper does not qualify a lead`,
        );
      }
      return withAutomaticQualification(lead, {
        type: 'DecisionMakerReached',
        data: { leadId, name: command.data.name.trim(), role: command.data.role.trim() },
      });
    }

    case 'RecordActivity': {
      refuseIn(lead, ['merged'], 'record activity on');
      rejectIf(oneOf('type', command.data.activityType, policy.activityTypes));
      return [
        {
          type: 'ActivityRecorded',
          data: {
            leadId,
            activityType: command.data.activityType,
            activityAt: command.occurredAt.toISOString(),
            ...(command.data.details ? { details: command.data.details } : {}),
          },
        },
      ];
    }

    case 'RecordScore': {
      refuseIn(lead, ['merged'], 'score');
      const { total, temperature, modelVersion, breakdown, scoredAt } = command.data;
      const sum = breakdown.reduce((s, c) => s + c.points, 0);
      rejectIf([
        ...oneOf('temperature', temperature, TEMPERATURES),
        ...text('modelVersion', modelVersion),
        ...(Math.abs(sum - total) > 1e-9
          ? [{ field: 'breakdown', message: `contributions add up to ${sum}, not to the total ${total}` }]
          : []),
      ]);
      const unchanged =
        lead.facts.score === total && lead.facts.temperature === temperature && lead.facts.scoringModelVersion === modelVersion;
      if (unchanged) return []; // a score that changes nothing is not a fact worth recording
      return [
        {
          type: 'LeadScored',
          data: {
            leadId,
            total,
            temperature,
            ...(lead.facts.temperature ? { previousTemperature: lead.facts.temperature } : {}),
            modelVersion,
            breakdown,
            scoredAt,
          },
        },
      ];
    }

    case 'QualifyLead': {
      if (lead.status === 'qualified') throw new LeadRuleRefusedError('qualification.once', `Lead ${leadId} is already qualified`);
      allowIn(lead, ['open', 'nurturing'], 'qualify');
      rejectIf(text('reason', command.data.reason));
      return [{ type: 'LeadQualified', data: { leadId, how: 'manual', reason: command.data.reason.trim(), facts: snapshot(lead) } }];
    }

    case 'AssignLead': {
      allowIn(lead, ['open', 'qualified', 'nurturing', 'handed_to_sales'], 'assign');
      rejectIf([...text('owner', command.data.owner), ...text('rule', command.data.rule)]);
      const { owner, rule, productLine, segment } = command.data;
      if (
        owner === lead.facts.owner &&
        (segment ?? lead.facts.segment) === lead.facts.segment &&
        (productLine ?? lead.facts.productLine) === lead.facts.productLine
      )
        return [];
      return [
        { type: 'LeadAssigned', data: { leadId, owner, rule, ...(productLine ? { productLine } : {}), ...(segment ? { segment } : {}) } },
      ];
    }

    case 'SendToNurture': {
      allowIn(lead, ['open', 'qualified'], 'send to nurture');
      const { reason, track, revisitAt } = command.data;
      rejectIf([
        ...text('reason', reason),
        ...oneOf('track', track, NURTURE_TRACKS),
        ...(revisitAt !== undefined && !(revisitAt.getTime() > command.occurredAt.getTime())
          ? [{ field: 'revisitAt', message: 'must be after the time the lead is sent to nurture' }]
          : []),
      ]);
      return [
        {
          type: 'SentToNurture',
          data: { leadId, reason: reason.trim(), track, ...(revisitAt ? { revisitAt: revisitAt.toISOString() } : {}) },
        },
      ];
    }

    case 'ReactivateLead': {
      if (lead.status !== 'nurturing' && lead.status !== 'disqualified' && lead.status !== 'lost') {
        throw refused(lead, 'reactivate', ['nurturing', 'disqualified', 'lost']);
      }
      rejectIf(text('reason', command.data.reason));
      const reactivated: LeadEvent = {
        type: 'LeadReactivated',
        data: { leadId, reason: command.data.reason.trim(), previousStatus: lead.status },
      };
      // Back to open; a lead that still has all three facts is qualified again at once.
      return [reactivated, ...(isFullyQualified(lead.facts) ? [automaticQualification(lead, lead.facts)] : [])];
    }

    case 'DisqualifyLead': {
      allowIn(lead, ['open', 'qualified', 'nurturing'], 'disqualify');
      const { reason, note, rule } = command.data;
      rejectIf([...oneOf('reason', reason, DISQUALIFICATION_REASONS), ...text('note', note, 2000)]);
      return [{ type: 'Disqualified', data: { leadId, reason, note: note.trim(), ...(rule ? { rule } : {}), facts: snapshot(lead) } }];
    }

    case 'HandToSales': {
      const override = command.data.override;
      if (override) rejectIf(text('override.reason', override.reason));
      if (lead.status !== 'qualified') {
        if (!override || (lead.status !== 'open' && lead.status !== 'nurturing')) {
          throw new LeadRuleRefusedError(
            'hand_off.requires_qualification',
            lead.status === 'open' || lead.status === 'nurturing'
              ? `Lead ${leadId} is ${lead.status}, not qualified (missing: ${missingFacts(lead.facts).join(', ') || 'qualification'}): only a qualified lead is handed to sales, unless an override with a reason is given`
              : refused(lead, 'hand to sales', ['qualified']).message,
          );
        }
      }
      const owner = command.data.owner?.trim() || lead.facts.owner;
      return [
        {
          type: 'HandedToSales',
          data: {
            leadId,
            ...(owner ? { owner } : {}),
            qualified: lead.status === 'qualified',
            ...(override && lead.status !== 'qualified' ? { override: { reason: override.reason.trim() } } : {}),
            facts: snapshot(lead),
          },
        },
      ];
    }

    case 'ReportSaleOutcome': {
      allowIn(lead, ['handed_to_sales'], 'report a sale outcome for');
      const { outcome, reason, needRemains, amount, currency } = command.data;
      rejectIf([
        ...oneOf('outcome', outcome, ['won', 'lost']),
        ...(outcome === 'lost' ? text('reason', reason) : []),
        ...(amount !== undefined && !(Number.isFinite(amount) && amount >= 0)
          ? [{ field: 'amount', message: 'must be a non-negative number' }]
          : []),
      ]);
      if (outcome === 'won')
        return [
          {
            type: 'SaleWon',
            data: { leadId, ...(reason ? { reason } : {}), ...(amount !== undefined ? { amount } : {}), ...(currency ? { currency } : {}) },
          },
        ];
      const lost: LeadEvent = { type: 'SaleLost', data: { leadId, reason: reason!.trim(), needRemains: needRemains === true } };
      // A lost deal whose need is still there goes back to marketing, not to the graveyard.
      return needRemains
        ? [lost, { type: 'SentToNurture', data: { leadId, reason: `sale lost, need remains: ${reason!.trim()}`, track: 'nurture' } }]
        : [lost];
    }

    case 'MergeDuplicate': {
      refuseIn(lead, ['merged'], 'merge');
      rejectIf(text('survivorLeadId', command.data.survivorLeadId));
      if (command.data.survivorLeadId === leadId) throw LeadValidationError.of('survivorLeadId', 'a lead cannot be merged into itself');
      return [
        {
          type: 'DuplicateMerged',
          data: { leadId, survivorLeadId: command.data.survivorLeadId, ...(command.data.note ? { note: command.data.note } : {}) },
        },
      ];
    }

    case 'ErasePersonalData': {
      rejectIf(text('reason', command.data.reason));
      const erasedFields = ['contact.name', 'contact.email', 'contact.phone', ...(lead.facts.decisionMaker ? ['decisionMaker.name'] : [])];
      return [{ type: 'PersonalDataErased', data: { leadId, reason: command.data.reason.trim(), erasedFields } }];
    }

    default:
      return assertNever(command);
  }
}

// ---------------------------------------------------------------- rules shared by several commands

const CLOCK_SKEW_MS = 5_000;
// Talking to an assistant is not reaching the person who decides (PRODUCT.md).
const GATEKEEPER_ROLES = /\b(assistant|secretary|receptionist|gatekeeper|office manager|intern)\b/i;

export function isFullyQualified(facts: LeadFacts): boolean {
  return missingFacts(facts).length === 0;
}

export function missingFacts(facts: LeadFacts): string[] {
  return [!facts.need && 'need', !facts.budget && 'budget', !facts.decisionMaker && 'decision maker'].filter((x): x is string =>
    Boolean(x),
  );
}

/** The fact itself, plus LeadQualified when it completes need + budget + decision maker. */
function withAutomaticQualification(lead: ExistingLead, fact: LeadEvent): LeadEvent[] {
  const after = evolve(lead, fact) as ExistingLead;
  return lead.status !== 'qualified' && isFullyQualified(after.facts) ? [fact, automaticQualification(after, after.facts)] : [fact];
}

function automaticQualification(lead: ExistingLead, facts: LeadFacts): LeadEvent {
  return { type: 'LeadQualified', data: { leadId: lead.leadId, how: 'automatic', facts: snapshotOf(facts) } };
}

function snapshot(lead: ExistingLead): LeadFactsSnapshot {
  return snapshotOf(lead.facts);
}

function snapshotOf(f: LeadFacts): LeadFactsSnapshot {
  return {
    ...(f.need ? { need: f.need } : {}),
    ...(f.productLine ? { productLine: f.productLine } : {}),
    ...(f.budget ? { budget: f.budget } : {}),
    ...(f.decisionMaker ? { decisionMaker: f.decisionMaker } : {}),
    ...(f.score !== undefined ? { score: f.score } : {}),
    ...(f.temperature ? { temperature: f.temperature } : {}),
    ...(f.scoringModelVersion ? { scoringModelVersion: f.scoringModelVersion } : {}),
  };
}

function allowIn(lead: ExistingLead, allowed: LeadStatus[], action: string): void {
  if (!allowed.includes(lead.status)) throw refused(lead, action, allowed);
}

function refuseIn(lead: ExistingLead, refusedStatuses: LeadStatus[], action: string): void {
  if (refusedStatuses.includes(lead.status)) throw refused(lead, action, null);
}

function refused(lead: ExistingLead, action: string, allowed: LeadStatus[] | null): LeadRuleRefusedError {
  const why = lead.status === 'merged' ? ` (it was merged into lead ${lead.survivorLeadId})` : '';
  const only = allowed ? `; only a lead that is ${allowed.join(' or ')} can be` : '';
  return new LeadRuleRefusedError(`transition.${lead.status}`, `Cannot ${action} lead ${lead.leadId}: it is ${lead.status}${why}${only}`);
}

function text(field: string, value: unknown, max = 500): FieldProblem[] {
  if (typeof value !== 'string' || value.trim() === '') return [{ field, message: 'is required and must not be empty' }];
  if (value.length > max) return [{ field, message: `must be at most ${max} characters` }];
  return [];
}

function oneOf(field: string, value: unknown, allowed: readonly string[]): FieldProblem[] {
  return typeof value === 'string' && allowed.includes(value)
    ? []
    : [{ field, message: `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})` }];
}

const ATTRIBUTE_KEY = /^[A-Za-z][\w.-]{0,63}$/;
const MAX_ATTRIBUTES = 50;

function attributeProblems(attributes: LeadAttributes | undefined): FieldProblem[] {
  if (attributes === undefined) return [];
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes))
    return [{ field: 'attributes', message: 'must be an object of simple values' }];
  const entries = Object.entries(attributes);
  if (entries.length > MAX_ATTRIBUTES) return [{ field: 'attributes', message: `may hold at most ${MAX_ATTRIBUTES} entries` }];
  return entries.flatMap(([key, value]): FieldProblem[] => {
    if (!ATTRIBUTE_KEY.test(key))
      return [{ field: `attributes.${key}`, message: 'keys start with a letter and hold at most 64 letters, digits, _ . -' }];
    if (typeof value === 'string' ? value.length > 500 : typeof value !== 'number' && typeof value !== 'boolean') {
      return [{ field: `attributes.${key}`, message: 'must be a string (at most 500 characters), a number or a boolean' }];
    }
    return [];
  });
}

function rejectIf(problems: FieldProblem[]): void {
  if (problems.length > 0) throw new LeadValidationError(problems);
}

function maxIso(a: string | undefined, b: string): string {
  return a === undefined || b > a ? b : a;
}

function assertNever(x: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(x)}`);
}
