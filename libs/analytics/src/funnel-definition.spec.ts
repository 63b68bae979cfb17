import { defaultFunnelDefinition, loadFunnelDefinitions, SHIPPED_FUNNELS_DIR } from './funnel-definitions.store';
import { FunnelDefinitionError, parseFunnelDefinition } from './funnel-definition';

function problemsOf(text: string): string[] {
  try {
    parseFunnelDefinition(text, 'f.yaml');
  } catch (error) {
    if (error instanceof FunnelDefinitionError) return error.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected problems');
}

describe('funnel definitions', () => {
  it('reads steps by event or status, filters, the window, exclusions, the converted step and the cohort period', () => {
    const d = parseFunnelDefinition(
      [
        'name: sales',
        'order: ordered',
        'window: 14d',
        'steps:',
        '  - name: captured',
        '    event: LeadCaptured',
        '    where: { lead.channel: [web_form, ebook] }',
        '  - status: qualified',
        '  - status: won',
        'exclusions:',
        '  - status: merged',
        'converted: qualified',
        'cohort: week',
      ].join('\n'),
      'f.yaml',
    );
    expect(d).toEqual({
      name: 'sales',
      description: '',
      order: 'ordered',
      windowMs: 14 * 86_400_000,
      steps: [
        { name: 'captured', events: ['LeadCaptured'], where: [{ field: 'lead.channel', values: ['web_form', 'ebook'] }] },
        { name: 'qualified', events: ['LeadQualified'], where: [] },
        { name: 'won', events: ['SaleWon'], where: [] },
      ],
      exclusions: [{ name: 'merged', events: ['DuplicateMerged'], where: [] }],
      convertedStep: 1,
      cohortPeriod: 'week',
    });
  });

  it('reads JSON as well', () => {
    const d = parseFunnelDefinition('{"name":"j","steps":[{"name":"in","event":"LeadCaptured"},{"status":"won"}]}', 'f.json');
    expect([d.order, d.convertedStep, d.cohortPeriod, d.windowMs]).toEqual(['ordered', 1, 'month', null]);
  });

  it('names every problem with its line, column and field', () => {
    expect(
      problemsOf(
        [
          'name: bad name',
          'order: sideways',
          'window: soon',
          'steps:',
          '  - event: LeadCaptred',
          '  - status: promoted',
          '    where: { colour: red }',
          'converted: nowhere',
          'colour: blue',
        ].join('\n'),
      ),
    ).toEqual([
      '9:1 colour: unknown field (expected one of: name, description, order, steps, window, exclusions, converted, cohort)',
      '1:7 name: must be letters, digits, "-" and "_", got "bad name"',
      '2:8 order: must be one of ordered, any, got "sideways"',
      '3:9 window: must be a duration such as "30d", "12h" or "2w", got "soon"',
      expect.stringMatching(/^5:12 steps\.0\.event: unknown event type "LeadCaptred" \(known: LeadCaptured, /),
      '5:5 steps.0.name: is required when the step is given by event',
      expect.stringMatching(/^6:13 steps\.1\.status: unknown status "promoted" \(known: open, qualified, /),
      '7:14 steps.1.where.colour: a filter names "data.<field>" (the event\'s data) or "lead.<property>" (the lead\'s properties)',
      '8:12 converted: must name a step after the first (one of: promoted), got "nowhere"',
    ]);
  });

  it('refuses a funnel of one step and a step name used twice', () => {
    expect(problemsOf('name: f\nsteps:\n  - status: open\n')).toEqual(['3:3 steps: a funnel needs at least 2 steps, got 1']);
    expect(problemsOf('name: f\nsteps:\n  - status: won\n  - status: won\n')).toEqual(['4:5 steps.1.name: step name "won" is used twice']);
  });

  it('ships the default definition and every shipped definition parses', () => {
    expect(defaultFunnelDefinition().steps.map((s) => s.name)).toEqual(['captured', 'qualified', 'handed_to_sales', 'won']);
    expect([...loadFunnelDefinitions([SHIPPED_FUNNELS_DIR]).keys()]).toEqual(['default', 'engaged-b2b', 'fast-sales']);
  });
});
