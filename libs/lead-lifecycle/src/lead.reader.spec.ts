import { UnreadableEventError } from '@lead/domain';
import type { RecordedEvent } from '@lead/event-store';
import { toLeadEvent } from './lead.reader';

const recorded = (metadata: Record<string, unknown>): RecordedEvent => ({
  id: 'e-1',
  streamId: 'lead-L1',
  type: 'NeedConfirmed',
  data: { leadId: 'L1', need: 'CRM' },
  metadata,
  revision: 0n,
  position: { commit: 1n, prepare: 1n },
  recordedAt: new Date('2025-03-01T10:00:00.000Z'),
});

describe('toLeadEvent (the stream read of commands, the policy reactor and CLI replays)', () => {
  it('reads an event in the schema version it was written in, version 1 when the metadata names none', () => {
    expect(toLeadEvent(recorded({ schemaVersion: 1 }))).toEqual({ type: 'NeedConfirmed', data: { leadId: 'L1', need: 'CRM' } });
    expect(toLeadEvent(recorded({}))).toEqual({ type: 'NeedConfirmed', data: { leadId: 'L1', need: 'CRM' } });
  });

  it('refuses an event of a schema version this code does not know', () => {
    expect(() => toLeadEvent(recorded({ schemaVersion: 2 }))).toThrow(UnreadableEventError);
    expect(() => toLeadEvent(recorded({ schemaVersion: 2 }))).toThrow('schema version 2 is not one this code reads (1 to 1)');
  });

  it('refuses an event whose schema version is not a number', () => {
    expect(() => toLeadEvent(recorded({ schemaVersion: '1' }))).toThrow('schema version NaN is not one this code reads');
  });
});
