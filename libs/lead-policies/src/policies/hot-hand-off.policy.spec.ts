import { hotHandOffPolicy } from './hot-hand-off.policy';
import { config, events, given, leadId, qualified, row } from './policy.test-kit';

describe('policy:hot-hand-off (on LeadQualified, LeadScored, LeadAssigned)', () => {
  const hotQualified = qualified({ temperature: 'hot', owner: 'maria' });

  it('hands a qualified, hot lead to its owner when it becomes hot', () =>
    given(hotQualified)
      .when((r) => hotHandOffPolicy(r, events.scored('hot', 'warm'), config))
      .then([{ policy: 'hot-hand-off', type: 'HandToSales', leadId, data: { owner: 'maria' } }]));

  it('…when it is qualified while hot', () =>
    given(hotQualified)
      .when((r) => hotHandOffPolicy(r, events.qualified, config))
      .then([{ type: 'HandToSales', data: { owner: 'maria' } }]));

  it('…when its owner is assigned after it was qualified and hot', () =>
    given(hotQualified)
      .when((r) => hotHandOffPolicy(r, events.assigned, config))
      .then([{ type: 'HandToSales' }]));

  it('does not hand over a warm or cold qualified lead', () => {
    given(qualified({ temperature: 'warm', owner: 'maria' }))
      .when((r) => hotHandOffPolicy(r, events.scored('warm', 'hot'), config))
      .thenNothing();
    given(qualified({ temperature: 'cold', owner: 'maria' }))
      .when((r) => hotHandOffPolicy(r, events.qualified, config))
      .thenNothing();
  });

  it('does not hand over a hot lead that is not qualified (it needs a person first)', () =>
    given(row({ temperature: 'hot', owner: 'maria' }))
      .when((r) => hotHandOffPolicy(r, events.scored('hot', 'warm'), config))
      .thenNothing());

  it('waits for an owner', () =>
    given(qualified({ temperature: 'hot' }))
      .when((r) => hotHandOffPolicy(r, events.scored('hot', 'warm'), config))
      .thenNothing());

  it('ignores other events, and does nothing when switched off', () => {
    given(hotQualified)
      .when((r) => hotHandOffPolicy(r, events.activity, config))
      .thenNothing();
    given(hotQualified)
      .when((r) => hotHandOffPolicy(r, events.qualified, { handOff: { enabled: false } }))
      .thenNothing();
  });
});
