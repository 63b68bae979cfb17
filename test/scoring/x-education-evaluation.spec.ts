import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_ACTIVITY_TYPES, decide, foldLead, type LeadEvent } from '@lead/domain';
import { evaluateOnXEducation, toLeadCommands, X_EDUCATION_ACTIVITY_TYPES, xEducationRows, type XEducationEvaluation } from '@lead/scoring';

/** The published data stays outside the project: ../shared/datasets relative to the project root. */
const LEADS_CSV = resolve(__dirname, '..', '..', '..', 'shared', 'datasets', 'x_education_leads', 'Leads.csv');
const present = existsSync(LEADS_CSV);
if (!present)
  console.warn(
    `X Education evaluation skipped: ${LEADS_CSV} not found (the data set is read from ../shared/datasets, never copied into the project)`,
  );

const suite = present ? describe : describe.skip;
const title = present
  ? 'X Education leads (real data, fixed split)'
  : 'X Education leads — SKIPPED: ../shared/datasets/x_education_leads/Leads.csv not found';

suite(title, () => {
  // Seed and fraction are fixed so that the figures are reproducible; the floors sit a little under what this split reaches.
  let evaluation: XEducationEvaluation;
  beforeAll(() => {
    evaluation = evaluateOnXEducation(LEADS_CSV, { seed: 2026, testFraction: 0.3 });
  });

  it('holds out 30 % of the 9,240 leads with the same conversion rate', () => {
    expect(evaluation.leads).toBe(9240);
    expect(evaluation.testLeads).toBe(2772);
    expect(evaluation.testConversionRate).toBeCloseTo(0.385, 2);
  });

  it('ranks held-out leads with a predictive AUC of at least 0.885 (reached: 0.893) without the leaking columns', () => {
    expect(evaluation.predictive.auc).toBeGreaterThanOrEqual(0.885);
  });

  it('ranks them with the total score (engagement + fit + predictive) at an AUC of at least 0.88 (reached: 0.890)', () => {
    expect(evaluation.score.auc).toBeGreaterThanOrEqual(0.88);
  });

  it('makes "hot" mean something: precision ≥ 0.83 and recall ≥ 0.48 at the model threshold (reached: 0.866 / 0.522)', () => {
    expect(evaluation.score.hot.precision).toBeGreaterThanOrEqual(0.83);
    expect(evaluation.score.hot.recall).toBeGreaterThanOrEqual(0.48);
    expect(evaluation.score.temperatures.hot.conversionRate).toBeGreaterThan(evaluation.score.temperatures.warm.conversionRate);
    expect(evaluation.score.temperatures.warm.conversionRate).toBeGreaterThan(evaluation.score.temperatures.cold.conversionRate);
  });

  it('concentrates conversions in the top decile: lift ≥ 2.3 (reached: 2.46)', () => {
    expect(evaluation.predictive.lift[0].lift).toBeGreaterThanOrEqual(2.3);
    expect(evaluation.predictive.lift[9].lift).toBeLessThan(0.2);
  });

  it('trains in well under a second and converges', () => {
    expect(evaluation.model.training.converged).toBe(true);
    expect(evaluation.trainingMs).toBeLessThan(5000);
  });

  it('turns every row into commands the lead decider accepts', () => {
    const policy = { activityTypes: [...DEFAULT_ACTIVITY_TYPES, ...X_EDUCATION_ACTIVITY_TYPES] };
    const clock = () => new Date('2026-02-01T09:00:00.000Z');
    let won = 0;
    for (const lead of xEducationRows(LEADS_CSV)) {
      let history: LeadEvent[] = [];
      for (const command of toLeadCommands(lead, { idFactory: (name) => name, clock }))
        history = history.concat(decide(command, foldLead(history), policy));
      if (history[history.length - 1].type === 'SaleWon') won++;
    }
    expect(won).toBe(3561);
  });
});
