import { LeadRuleRefusedError, type LeadCaptured } from '@lead/domain';

/** What a capture guard sees: the decided LeadCaptured, before it is appended. */
export interface CaptureAttempt {
  leadId: string;
  commandId: string;
  correlationId: string;
  actor: string;
  occurredAt: Date;
  event: LeadCaptured;
}

/** Record the capture as an activity on an existing lead instead of capturing a new one. */
export interface CaptureRedirect {
  leadId: string;
  activityType: string;
  details?: Record<string, string | number | boolean>;
}

/**
 * Checked by the executor after a capture is decided and before it is appended (e.g. duplicate
 * detection). Throws a LeadError to refuse, returns a redirect, or nothing to let the capture through.
 * Provided by an optional module under CAPTURE_GUARD; without one, every valid capture is appended.
 */
export interface CaptureGuard {
  beforeCapture(attempt: CaptureAttempt): Promise<CaptureRedirect | undefined>;
}

export const CAPTURE_GUARD = Symbol('CAPTURE_GUARD');

/** The same normalised email or phone belongs to an existing lead. */
export class DuplicateLeadError extends LeadRuleRefusedError {
  constructor(
    readonly existingLeadId: string,
    readonly matchedOn: 'email' | 'phone',
  ) {
    super(
      'capture.duplicate',
      `A lead with the same ${matchedOn} already exists: ${existingLeadId} (record activity on it or merge by hand)`,
    );
  }
}
