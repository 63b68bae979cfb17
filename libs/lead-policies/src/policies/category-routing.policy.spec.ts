import { categoryRoutingPolicy } from './category-routing.policy';
import { config, events, given, leadId, qualified, row } from './policy.test-kit';

describe('policy:category-routing (on LeadQualified)', () => {
  it('assigns a qualified lead to the first manager of its category, with its segment, and advances the counter', () =>
    given({ row: qualified(), roundRobin: {} })
      .when((s) => categoryRoutingPolicy(s, events.qualified, config))
      .then([
        {
          policy: 'category-routing',
          type: 'AssignLead',
          leadId,
          data: { owner: 'maria', rule: 'category:crm:round-robin', productLine: 'crm', segment: 'B' },
          roundRobin: { category: 'crm', next: 1 },
        },
      ]));

  it('takes turns within the category (round-robin on the stored counter)', () => {
    const owners = [0, 1, 2, 3].map(
      (n) => categoryRoutingPolicy({ row: qualified(), roundRobin: { crm: n } }, events.qualified, config)[0].data,
    );
    expect(owners.map((d) => (d as { owner: string }).owner)).toEqual(['maria', 'andrei', 'maria', 'andrei']);
  });

  it('matches the product line case- and punctuation-insensitively', () =>
    given({ row: qualified({ productLine: ' ERP ' }), roundRobin: {} })
      .when((s) => categoryRoutingPolicy(s, events.qualified, config))
      .then([{ data: { owner: 'elena', rule: 'category:erp:round-robin', productLine: ' ERP ', segment: 'B' } }]));

  it('segment A by turnover', () =>
    given({ row: qualified({ annualRevenue: 10_000_000 }), roundRobin: {} })
      .when((s) => categoryRoutingPolicy(s, events.qualified, config))
      .then([{ data: expect.objectContaining({ segment: 'A' }) }]));

  it('segment A by industry, compared normalised', () =>
    given({ row: qualified({ industry: 'Software', annualRevenue: 50_000 }), roundRobin: {} })
      .when((s) => categoryRoutingPolicy(s, events.qualified, config))
      .then([{ data: expect.objectContaining({ segment: 'A' }) }]));

  it('a product line without a category goes to the fallback managers when there are some', () =>
    given({ row: qualified({ productLine: 'hardware' }), roundRobin: { fallback: 4 } })
      .when((s) => categoryRoutingPolicy(s, events.qualified, { ...config, fallback: { managers: ['desk'] } }))
      .then([
        {
          data: { owner: 'desk', rule: 'category:fallback:round-robin', productLine: 'hardware', segment: 'B' },
          roundRobin: { category: 'fallback', next: 5 },
        },
      ]));

  it('…and stays unassigned without a fallback', () =>
    given({ row: qualified({ productLine: 'hardware' }), roundRobin: {} })
      .when((s) => categoryRoutingPolicy(s, events.qualified, config))
      .thenNothing());

  it('keeps the owner a lead already has (a person assigned it)', () =>
    given({ row: qualified({ owner: 'ion' }), roundRobin: {} })
      .when((s) => categoryRoutingPolicy(s, events.qualified, config))
      .thenNothing());

  it('acts on qualification only', () => {
    given({ row: qualified(), roundRobin: {} })
      .when((s) => categoryRoutingPolicy(s, events.scored('hot'), config))
      .thenNothing();
    given({ row: row({ productLine: 'crm' }), roundRobin: {} })
      .when((s) => categoryRoutingPolicy(s, events.qualified, config))
      .thenNothing();
  });
});
