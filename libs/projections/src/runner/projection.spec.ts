import type { RecordedEvent } from '@lead/event-store';
import { decodeLeadEvent } from './projection';

const recorded = (streamId: string, data: Record<string, unknown>, metadata: Record<string, unknown> = {}): RecordedEvent => ({
  id: 'e-1',
  streamId,
  type: 'ActivityRecorded',
  data,
  metadata,
  revision: 3n,
  position: { commit: 42n, prepare: 42n },
  recordedAt: new Date('2025-03-01T10:00:00.000Z'),
});

describe('decodeLeadEvent', () => {
  it('reads a lead event with its lead id, business time, day and actor', () => {
    const event = decodeLeadEvent(
      recorded(
        'lead-L1',
        { leadId: 'L1', activityType: 'webinar', activityAt: '2025-02-27T09:00:00.000Z' },
        { occurredAt: '2025-02-28T23:30:00.000Z', actor: 'user:ana' },
      ),
    );
    expect(event).toMatchObject({
      type: 'ActivityRecorded',
      leadId: 'L1',
      eventId: 'e-1',
      revision: 3,
      positionText: '42',
      occurredAt: '2025-02-28T23:30:00.000Z',
      day: '2025-02-28',
      actor: 'user:ana',
    });
  });

  it('takes the lead id from the stream when the data names another lead', () => {
    const event = decodeLeadEvent(recorded('lead-L1', { leadId: 'L2', activityType: 'webinar', activityAt: '2025-02-27T09:00:00.000Z' }));
    expect(event).toMatchObject({ leadId: 'L1', occurredAt: '2025-03-01T10:00:00.000Z', actor: null });
  });

  it('passes over events of other streams', () => {
    expect(decodeLeadEvent(recorded('scoring-models', { leadId: 'L1' }))).toBeNull();
  });

  it('reads through the schema version in the metadata: one this code does not know makes the event undecodable', () => {
    const data = { leadId: 'L1', activityType: 'webinar', activityAt: '2025-02-27T09:00:00.000Z' };
    expect(decodeLeadEvent(recorded('lead-L1', data, { schemaVersion: 1 }))).toMatchObject({ type: 'ActivityRecorded', data });
    expect(decodeLeadEvent(recorded('lead-L1', data, { schemaVersion: 2 }))).toEqual({
      undecodable: true,
      type: 'ActivityRecorded',
      unknownType: false,
      message: 'Cannot read event of type "ActivityRecorded": schema version 2 is not one this code reads (1 to 1)',
    });
  });
});
