import { nurtureRevisitOnEvent, nurtureRevisitOnSweep } from './nurture-revisit.policy';
import { DAY, at, config, events, given, iso, leadId, row } from './policy.test-kit';

describe('policy:nurture-revisit', () => {
  const nurtured = row({ status: 'nurturing', nurtureTrack: 'nurture', revisitAt: iso(30 * DAY), temperature: 'warm', revision: 9 });

  describe('on the sweep: the revisit date comes', () => {
    it('reactivates the lead, saying why', () =>
      given(nurtured)
        .when((r) => nurtureRevisitOnSweep(r, config, at(30 * DAY)))
        .then([
          {
            policy: 'nurture-revisit',
            type: 'ReactivateLead',
            leadId,
            data: { reason: `revisit date ${iso(30 * DAY)} reached on the nurture track` },
            dueKey: iso(30 * DAY),
            expectedRevision: 9,
          },
        ]));

    it('does nothing before it', () =>
      given(nurtured)
        .when((r) => nurtureRevisitOnSweep(r, config, at(30 * DAY - 1)))
        .thenNothing());

    it('does nothing for a lead without a revisit date or not in nurture', () => {
      given(row({ status: 'nurturing' }))
        .when((r) => nurtureRevisitOnSweep(r, config, at(365 * DAY)))
        .thenNothing();
      given(row({ revisitAt: iso(0) }))
        .when((r) => nurtureRevisitOnSweep(r, config, at(365 * DAY)))
        .thenNothing();
    });
  });

  describe('on LeadScored: the score crosses into hot', () => {
    it('reactivates a nurtured lead that becomes hot', () =>
      given(nurtured)
        .when((r) => nurtureRevisitOnEvent(r, events.scored('hot', 'warm', 104), config))
        .then([
          {
            policy: 'nurture-revisit',
            type: 'ReactivateLead',
            data: { reason: 'score crossed into hot: 104 points (was warm) while on the nurture track' },
          },
        ]));

    it('from cold too, and from no score at all', () => {
      given(nurtured)
        .when((r) => nurtureRevisitOnEvent(r, events.scored('hot', 'cold'), config))
        .then([{ type: 'ReactivateLead' }]);
      given(nurtured)
        .when((r) => nurtureRevisitOnEvent(r, events.scored('hot'), config))
        .then([{ data: { reason: expect.stringContaining('(was unscored)') } }]);
    });

    it('not when it was hot already, nor when it cools down (crossings downwards do not reactivate)', () => {
      given(nurtured)
        .when((r) => nurtureRevisitOnEvent(r, events.scored('hot', 'hot'), config))
        .thenNothing();
      given(nurtured)
        .when((r) => nurtureRevisitOnEvent(r, events.scored('warm', 'hot'), config))
        .thenNothing();
      given(nurtured)
        .when((r) => nurtureRevisitOnEvent(r, events.scored('cold', 'warm'), config))
        .thenNothing();
    });

    it('not for a lead that is not in nurture', () =>
      given(row())
        .when((r) => nurtureRevisitOnEvent(r, events.scored('hot', 'warm'), config))
        .thenNothing());
  });

  it('each trigger can be switched off', () => {
    const off = { nurture: { ...config.nurture, reactivateOnHot: false, reactivateOnRevisit: false } };
    given(nurtured)
      .when((r) => nurtureRevisitOnEvent(r, events.scored('hot', 'warm'), off))
      .thenNothing();
    given(nurtured)
      .when((r) => nurtureRevisitOnSweep(r, off, at(40 * DAY)))
      .thenNothing();
  });
});
