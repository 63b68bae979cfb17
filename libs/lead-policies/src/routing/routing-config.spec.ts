import { resolve } from 'node:path';
import { DEFAULT_ROUTING_CONFIG, RoutingConfigError, categoryFor, loadRoutingConfigFile, parseRoutingConfig } from './routing-config';
import { segmentFor } from './segmentation';

const problems = (text: string) => {
  try {
    parseRoutingConfig(text);
  } catch (error) {
    if (error instanceof RoutingConfigError) return error.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected problems');
};

describe('routing configuration', () => {
  it('reads the shipped config/routing.yaml', () => {
    const config = loadRoutingConfigFile(resolve(__dirname, '..', '..', 'config', 'routing.yaml'));
    expect(config.categories).toEqual({
      crm: { managers: ['maria', 'andrei'] },
      erp: { managers: ['elena', 'mihai'] },
      marketing_automation: { managers: ['ioana'] },
    });
    expect(config).toMatchObject({
      fallback: { managers: ['sales-desk'] },
      sla: { enabled: true, hours: 48 },
      duplicates: { mode: 'refuse', activityType: 'contact_form' },
    });
    expect(config.segmentation.rules).toEqual([
      { segment: 'A', annualRevenueAtLeast: 10_000_000 },
      { segment: 'A', employeesAtLeast: 250 },
      { segment: 'A', industryIn: ['software', 'financial_services'] },
    ]);
  });

  it('fills what a file leaves out with the defaults', () => expect(parseRoutingConfig('{}')).toEqual(DEFAULT_ROUTING_CONFIG));

  it('accepts the short form `duplicates: record_activity`', () =>
    expect(parseRoutingConfig('duplicates: record_activity').duplicates).toEqual({
      mode: 'record_activity',
      activityType: 'contact_form',
    }));

  it('names the line, column and field of every problem', () =>
    expect(
      problems(`categories:
  crm:
    managers: [ana]
  CRM!:
    managers: [ana]
  erp:
    managers: []
sla:
  hours: -1
  enabeld: true
duplicates:
  mode: merge
segmentation:
  rules:
    - segment: A
    - annual_revenue_at_least: lots
`),
    ).toEqual([
      '4:3 categories.CRM!: is the same product line as an earlier one once normalised ("crm")',
      '7:15 categories.erp.managers: must name at least one manager',
      '15:7 segmentation.rules.0: a rule needs at least one condition: annual_revenue_at_least, employees_at_least, industry_in or country_in',
      '16:7 segmentation.rules.1: segment is required (e.g. segment: A)',
      '16:32 segmentation.rules.1.annual_revenue_at_least: expected a number, got "lots"',
      '10:3 sla.enabeld: unknown field (expected one of: enabled, hours)',
      '12:9 duplicates.mode: must be one of refuse, record_activity, off, got "merge"',
      '9:10 sla.hours: must be greater than 0, got -1',
    ]));

  it('reports YAML syntax errors with their line', () => expect(problems('categories: [\n')[0]).toMatch(/^\d+:\d+ : /));

  it('routes a product line to its category, else the fallback', () => {
    const config = parseRoutingConfig('categories: { crm: { managers: [maria] } }\nfallback: { managers: [desk] }');
    expect(categoryFor('Crm', config)).toEqual({ category: 'crm', managers: ['maria'] });
    expect(categoryFor('erp', config)).toEqual({ category: 'fallback', managers: ['desk'] });
    expect(categoryFor(undefined, config)).toEqual({ category: 'fallback', managers: ['desk'] });
    expect(categoryFor('erp', parseRoutingConfig('{}'))).toBeUndefined();
  });

  it('segments A/B: the first rule whose conditions all hold, an unknown fact failing its condition', () => {
    const config = parseRoutingConfig(`segmentation:
  rules:
    - { segment: A, annual_revenue_at_least: 10000000, country_in: [de, at] }
    - { segment: A, industry_in: [Financial Services] }
  otherwise: B`);
    expect(segmentFor({ annualRevenue: 2e7, country: 'DE' }, config)).toEqual({ segment: 'A', rule: 'segmentation.rules.0' });
    expect(segmentFor({ annualRevenue: 2e7, country: 'FR' }, config)).toEqual({ segment: 'B', rule: 'segmentation.otherwise' });
    expect(segmentFor({ annualRevenue: 2e7 }, config).segment).toBe('B');
    expect(segmentFor({ industry: 'financial-services' }, config)).toEqual({ segment: 'A', rule: 'segmentation.rules.1' });
  });
});
