/**
 * The engine's one error taxonomy. Every refusal is one of these four kinds, and the HTTP
 * layer maps kinds to status codes in one place. A business outcome (a disqualification)
 * is an event, never one of these.
 */
export type LeadErrorKind = 'validation' | 'not_found' | 'concurrency' | 'rule_refused';

export abstract class LeadError extends Error {
  abstract readonly kind: LeadErrorKind;
  /** Stable, machine-readable code. */
  abstract readonly code: string;
}

export interface FieldProblem {
  /** Dotted path of the offending field, e.g. "contact.email". */
  field: string;
  message: string;
}

/** The input is malformed: names every offending field. */
export class LeadValidationError extends LeadError {
  readonly kind = 'validation';
  readonly code = 'validation_failed';
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  }
  static of(field: string, message: string): LeadValidationError {
    return new LeadValidationError([{ field, message }]);
  }
}

export class LeadNotFoundError extends LeadError {
  readonly kind = 'not_found';
  readonly code = 'lead_not_found';
  constructor(readonly leadId: string) {
    super(`No lead with id ${leadId}`);
  }
}

/** The command named a revision the lead is no longer at. */
export class LeadConcurrencyError extends LeadError {
  readonly kind = 'concurrency';
  readonly code = 'wrong_expected_revision';
  constructor(
    readonly leadId: string,
    readonly expectedRevision: string,
    readonly currentRevision: string | null,
  ) {
    super(
      `Lead ${leadId} is at revision ${currentRevision ?? 'none (no such stream)'}, not ${expectedRevision}: reload it and decide again`,
    );
  }
}

/** The lead's rules refuse the transition; `rule` names which one. */
export class LeadRuleRefusedError extends LeadError {
  readonly kind = 'rule_refused';
  readonly code = 'rule_refused';
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

/** A stored event that cannot be read as a lead event (unknown type, missing field, unknown schema version). */
export class UnreadableEventError extends Error {
  override readonly name = 'UnreadableEventError';
  constructor(
    readonly eventType: string,
    reason: string,
  ) {
    super(`Cannot read event of type "${eventType}": ${reason}`);
  }
}
