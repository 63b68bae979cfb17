import { slaDueAt, slaPolicy } from './sla.policy';
import { DAY, HOUR, T0, at, config, given, iso, leadId, qualified, row } from './policy.test-kit';

describe('policy:sla (on the sweep): open, unqualified, no human action for 48 h', () => {
  const due = at(48 * HOUR);

  it('sends a warm lead to the nurture track, revisiting 30 days after the SLA ran out', () =>
    given(row({ temperature: 'warm' }))
      .when((r) => slaPolicy(r, config, due))
      .then([
        {
          policy: 'sla',
          type: 'SendToNurture',
          leadId,
          data: {
            reason: `SLA 48 h: open and unqualified without a human action since ${T0.toISOString()}; warm lead → nurture track`,
            track: 'nurture',
            revisitAt: at(48 * HOUR + 30 * DAY),
          },
          dueKey: due.toISOString(),
          expectedRevision: 3,
        },
      ]));

  it('sends a cold lead (or one not scored yet) to the content track', () => {
    given(row({ temperature: 'cold' }))
      .when((r) => slaPolicy(r, config, due))
      .then([{ data: expect.objectContaining({ track: 'content', revisitAt: at(48 * HOUR + 90 * DAY) }) }]);
    given(row())
      .when((r) => slaPolicy(r, config, due))
      .then([{ data: expect.objectContaining({ track: 'content', reason: expect.stringContaining('unscored lead → content track') }) }]);
  });

  it('leaves a hot unqualified lead alone: it needs a person', () =>
    given(row({ temperature: 'hot' }))
      .when((r) => slaPolicy(r, config, at(30 * DAY)))
      .thenNothing());

  it('does nothing before the SLA runs out', () =>
    given(row({ temperature: 'warm' }))
      .when((r) => slaPolicy(r, config, at(48 * HOUR - 1)))
      .thenNothing());

  it('never snatches a lead a person is qualifying: a human action restarts the clock', () => {
    const touched = row({ temperature: 'warm', lastHumanActionAt: iso(47 * HOUR), slaClockFrom: iso(47 * HOUR) });
    given(touched)
      .when((r) => slaPolicy(r, config, at(94 * HOUR)))
      .thenNothing();
    given(touched)
      .when((r) => slaPolicy(r, config, at(95 * HOUR)))
      .then([{ dueKey: iso(95 * HOUR) }]);
    expect(slaDueAt(touched, config)).toEqual(at(95 * HOUR));
  });

  it('expects the revision it decided on, so any event since (a person acting) makes the executor refuse it', () =>
    expect(slaPolicy(row({ temperature: 'warm', revision: 7 }), config, due)[0].expectedRevision).toBe(7));

  it('decides the same when the sweep repeats (same due key and data)', () =>
    expect(slaPolicy(row({ temperature: 'warm' }), config, at(49 * HOUR))).toEqual(slaPolicy(row({ temperature: 'warm' }), config, due)));

  it('revisits from now when the engine was down past the revisit date', () =>
    given(row({ temperature: 'warm' }))
      .when((r) => slaPolicy(r, config, at(60 * DAY)))
      .then([{ data: expect.objectContaining({ revisitAt: at(90 * DAY) }) }]));

  it('applies to open, unqualified leads only, and not when switched off', () => {
    given(qualified({ temperature: 'warm' }))
      .when((r) => slaPolicy(r, config, due))
      .thenNothing();
    given(row({ status: 'nurturing', temperature: 'warm' }))
      .when((r) => slaPolicy(r, config, due))
      .thenNothing();
    given(row({ temperature: 'warm' }))
      .when((r) => slaPolicy(r, { ...config, sla: { enabled: false, hours: 48 } }, due))
      .thenNothing();
  });

  it('counts in the configured hours', () =>
    given(row({ temperature: 'cold' }))
      .when((r) => slaPolicy(r, { ...config, sla: { enabled: true, hours: 4 } }, at(4 * HOUR)))
      .then([{ dueKey: iso(4 * HOUR) }]));
});
