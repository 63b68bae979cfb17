import { Inject, Injectable } from '@nestjs/common';
import {
  EVENT_SCHEMA_VERSION,
  LeadConcurrencyError,
  normalizeEmail,
  normalizePhone,
  type LeadEventMetadata,
  type LeadState,
} from '@lead/domain';
import { EVENT_STORE, WrongExpectedRevisionError, type EventStore, type ExpectedRevision, type RecordedEvent } from '@lead/event-store';
import {
  DuplicateLeadError,
  LeadReader,
  deterministicUuid,
  type CaptureAttempt,
  type CaptureGuard,
  type CaptureRedirect,
} from '@lead/lifecycle';
import { ContactKeys, type ContactKind } from '@lead/privacy';
import { LEAD_POLICIES_SETTINGS, type LeadPoliciesSettings } from '../lead-policies.options';

export type { ContactKind };

export type ContactClaimed = { type: 'ContactClaimed'; data: { leadId: string; kind: ContactKind } };

interface Key {
  kind: ContactKind;
  stream: string;
}

type Holder = { kind: 'live'; leadId: string } | { kind: 'free' } | { kind: 'pending' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MAX_CONFLICTS = 20;

/**
 * Duplicate detection on capture, consistent on any event store: each normalised email and phone
 * has a claim stream whose last ContactClaimed names the lead holding it. A capture claims its keys
 * (expecting 'no_stream', or the revision it read when it takes a claim over) after it is decided and
 * before LeadCaptured is appended, so two concurrent captures of one address cannot both get through.
 *
 * A claim is taken over when its lead no longer holds the key: never captured (its capture crashed or
 * was refused — after a grace period, since it may still be on its way), erased, corrected to another
 * address, or merged into a survivor that is gone. A merged lead's claim points at its survivor.
 */
@Injectable()
export class ContactClaims implements CaptureGuard {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly reader: LeadReader,
    @Inject(LEAD_POLICIES_SETTINGS) private readonly settings: LeadPoliciesSettings,
    /** A claim stream per normalised contact key, named by a keyed hash so that no address can be read back from it. */
    private readonly contactKeys: ContactKeys,
  ) {}

  async beforeCapture(attempt: CaptureAttempt): Promise<CaptureRedirect | undefined> {
    const { mode, activityType } = this.settings.routing.duplicates;
    if (mode === 'off') return undefined;
    const { normalizedEmail, normalizedPhone } = attempt.event.data;
    const keys: Key[] = [
      ...(normalizedEmail ? [{ kind: 'email' as const, stream: this.contactKeys.claimStream('email', normalizedEmail) }] : []),
      ...(normalizedPhone ? [{ kind: 'phone' as const, stream: this.contactKeys.claimStream('phone', normalizedPhone) }] : []),
    ];

    // A pending claim ends by itself (its lead appears, or its grace runs out); write conflicts are bounded.
    for (let conflicts = 0; conflicts < MAX_CONFLICTS;) {
      const toClaim: { key: Key; expected: ExpectedRevision }[] = [];
      let pending = false;
      for (const key of keys) {
        const [last] = await this.store.readStream(key.stream, { direction: 'backwards', maxCount: 1 });
        if (!last) {
          toClaim.push({ key, expected: 'no_stream' });
          continue;
        }
        const claimedBy = (last.data as ContactClaimed['data']).leadId;
        if (claimedBy === attempt.leadId) continue; // our own claim: a retry of this capture
        const holder = await this.holder(claimedBy, key.kind, last);
        if (holder.kind === 'live') {
          if (mode === 'record_activity') return this.redirect(holder.leadId, key.kind, attempt, activityType);
          throw new DuplicateLeadError(holder.leadId, key.kind);
        }
        if (holder.kind === 'pending') pending = true;
        else toClaim.push({ key, expected: last.revision });
      }
      if (pending) {
        await sleep(50);
        continue;
      }
      try {
        for (const { key, expected } of toClaim) await this.claim(key, expected, attempt);
        return undefined;
      } catch (error) {
        // Another capture claimed the key between our read and our write: look again.
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        conflicts++;
      }
    }
    throw new LeadConcurrencyError(attempt.leadId, 'no_stream', null);
  }

  private redirect(leadId: string, matchedOn: ContactKind, attempt: CaptureAttempt, activityType: string): CaptureRedirect {
    const { source } = attempt.event.data;
    return {
      leadId,
      activityType,
      details: {
        duplicateCapture: true,
        matchedOn,
        channel: source.channel,
        ...(source.origin ? { origin: source.origin } : {}),
        ...(source.campaign ? { campaign: source.campaign } : {}),
      },
    };
  }

  private async holder(leadId: string, kind: ContactKind, claim: RecordedEvent): Promise<Holder> {
    let id = leadId;
    for (let hops = 0; hops < 10; hops++) {
      const { state } = await this.reader.load(id);
      if (state.status === 'none') {
        // The claimer may be between its claim and its LeadCaptured: give it time before taking over.
        return hops === 0 && Date.now() - claim.recordedAt.getTime() < this.settings.claimGraceMs ? { kind: 'pending' } : { kind: 'free' };
      }
      if (state.status === 'erased') return { kind: 'free' };
      if (state.status === 'merged') {
        id = state.survivorLeadId; // the duplicate's address belongs to the person the survivor stands for
        continue;
      }
      return hops > 0 || holds(state, kind, claim, this.contactKeys) ? { kind: 'live', leadId: id } : { kind: 'free' };
    }
    return { kind: 'free' };
  }

  private async claim(key: Key, expected: ExpectedRevision, attempt: CaptureAttempt): Promise<void> {
    const eventId = deterministicUuid(`contact-claim:${key.stream}:${attempt.commandId}`);
    const metadata: LeadEventMetadata = {
      eventId,
      commandId: attempt.commandId,
      correlationId: attempt.correlationId,
      causationId: attempt.commandId,
      actor: attempt.actor,
      occurredAt: attempt.occurredAt.toISOString(),
      schemaVersion: EVENT_SCHEMA_VERSION,
    };
    const data: ContactClaimed['data'] = { leadId: attempt.leadId, kind: key.kind };
    await this.store.appendToStream(key.stream, [{ id: eventId, type: 'ContactClaimed', data, metadata }], { expectedRevision: expected });
  }
}

/** Whether the lead still carries the claimed key (a correction may have changed it). */
function holds(state: LeadState, kind: ContactKind, claim: RecordedEvent, contactKeys: ContactKeys): boolean {
  if (state.status === 'none' || state.status === 'erased') return false;
  const contact = state.profile.contact;
  const value = kind === 'email' ? contact.email && normalizeEmail(contact.email) : contact.phone && normalizePhone(contact.phone);
  return value !== undefined && value !== '' && contactKeys.claimStream(kind, value) === claim.streamId;
}
