import { foldLead, type NurturingLead } from './lead.decider';
import { UnreadableEventError } from './lead.errors';
import { parseLeadEvent } from './lead.event-parsers';
import { LEAD_UPCASTERS, UpcasterRegistry, type EventData } from './lead.upcasters';

const leadId = 'lead-1';
const captured = {
  type: 'LeadCaptured',
  data: { leadId, kind: 'B2C', contact: { name: 'Ana' }, source: { channel: 'web_form' } },
} as const;

/**
 * A test-only history of SentToNurture: version 1 had a revisit day ("revisitOn") and no track,
 * version 2 (today's shape) has an ISO revisitAt and a track, version 3 adds nothing but a rename
 * of the reason's field, to show that upcasters chain.
 */
const v1ToV2 = (d: EventData) => {
  const { revisitOn, ...rest } = d;
  return { ...rest, track: 'nurture', ...(typeof revisitOn === 'string' ? { revisitAt: `${revisitOn}T00:00:00.000Z` } : {}) };
};
const v2ToV3 = (d: EventData) => {
  const { why, ...rest } = d;
  return { ...rest, reason: why };
};
const twoVersions = new UpcasterRegistry([{ type: 'SentToNurture', fromVersion: 1, toVersion: 2, upcast: v1ToV2 }]);
const threeVersions = new UpcasterRegistry([
  { type: 'SentToNurture', fromVersion: 2, toVersion: 3, upcast: v2ToV3 },
  { type: 'SentToNurture', fromVersion: 1, toVersion: 2, upcast: (d) => ({ ...v1ToV2(d), why: d.reason }) },
]);

describe('upcasters', () => {
  it('read a version-1 event through version-2 code, which folds it like a version-2 event', () => {
    const v1 = { leadId, reason: 'budget next year', revisitOn: '2027-01-15' };
    const event = parseLeadEvent('SentToNurture', v1, 1, twoVersions);
    expect(event).toEqual({
      type: 'SentToNurture',
      data: { leadId, reason: 'budget next year', track: 'nurture', revisitAt: '2027-01-15T00:00:00.000Z' },
    });
    const lead = foldLead([parseLeadEvent(captured.type, captured.data, 1, twoVersions), event]) as NurturingLead;
    expect(lead.nurture).toEqual({ track: 'nurture', reason: 'budget next year', revisitAt: '2027-01-15T00:00:00.000Z' });
  });

  it('leave an event already in the current version as it is', () => {
    const v2 = { leadId, reason: 'too early', track: 'content' };
    expect(parseLeadEvent('SentToNurture', v2, 2, twoVersions).data).toBe(v2);
  });

  it('chain from any older version to the current one, whatever order they are listed in', () => {
    const fromV1 = parseLeadEvent('SentToNurture', { leadId, reason: 'later', revisitOn: '2027-02-01' }, 1, threeVersions);
    const fromV2 = parseLeadEvent('SentToNurture', { leadId, why: 'later', track: 'nurture' }, 2, threeVersions);
    expect(fromV1.data).toEqual({ leadId, reason: 'later', track: 'nurture', revisitAt: '2027-02-01T00:00:00.000Z' });
    expect(fromV2.data).toEqual({ leadId, reason: 'later', track: 'nurture' });
    expect(threeVersions.currentVersion('SentToNurture')).toBe(3);
    expect(threeVersions.currentVersion('LeadCaptured')).toBe(1);
  });

  it('leave the stored data untouched', () => {
    const v1 = { leadId, reason: 'later', revisitOn: '2027-02-01' };
    parseLeadEvent('SentToNurture', v1, 1, threeVersions);
    expect(v1).toEqual({ leadId, reason: 'later', revisitOn: '2027-02-01' });
  });

  it('refuse a version newer than the code knows, naming it', () => {
    const read = () => parseLeadEvent('SentToNurture', { leadId, reason: 'x', track: 'nurture' }, 3, twoVersions);
    expect(read).toThrow(UnreadableEventError);
    expect(read).toThrow('Cannot read event of type "SentToNurture": schema version 3 is not one this code reads (1 to 2)');
    expect(() => parseLeadEvent('LeadCaptured', captured.data, 0, twoVersions)).toThrow('schema version 0');
  });

  it('check the fields of the upcast data, not of the stored data', () => {
    expect(() => parseLeadEvent('SentToNurture', { leadId, revisitOn: '2027-01-15' }, 1, twoVersions)).toThrow(
      'Cannot read event of type "SentToNurture": missing field "reason"',
    );
  });

  it('must form one chain of consecutive versions per type', () => {
    expect(() => new UpcasterRegistry([{ type: 'SaleLost', fromVersion: 2, toVersion: 3, upcast: (d) => ({ ...d }) }])).toThrow(
      'No upcaster of SaleLost from version 1 to 2',
    );
    expect(() => new UpcasterRegistry([{ type: 'SaleLost', fromVersion: 1, toVersion: 3, upcast: (d) => ({ ...d }) }])).toThrow(
      'Upcaster of SaleLost must go from a version ≥ 1 to the next (got 1 → 3)',
    );
    const twice = { type: 'SaleLost', fromVersion: 1, toVersion: 2, upcast: (d: EventData) => ({ ...d }) } as const;
    expect(() => new UpcasterRegistry([twice, twice])).toThrow('Two upcasters of SaleLost from version 1');
  });

  it("are, in the engine's registry today, none: every lead event type is at version 1", () => {
    expect(LEAD_UPCASTERS.currentVersion('SentToNurture')).toBe(1);
    expect(() => parseLeadEvent('SentToNurture', { leadId, reason: 'x', track: 'nurture' }, 2)).toThrow('schema version 2');
  });
});
