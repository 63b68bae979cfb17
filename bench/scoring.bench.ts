import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  evaluateOnXEducation,
  loadScoringModelFile,
  predict,
  scoreLead,
  xEducationActivities,
  xEducationFeatures,
  xEducationProfile,
  xEducationRows,
  X_EDUCATION_SCORING_MODEL_FILE,
  type ScoringActivity,
  type ScoringProfile,
} from '@lead/scoring';
import { opsPerSecond, runStandalone, type BenchResult } from './bench-kit';

const LEADS_CSV = resolve(__dirname, '..', '..', 'shared', 'datasets', 'x_education_leads', 'Leads.csv');
const DEFAULT_MODEL_FILE = resolve(__dirname, '..', 'libs', 'scoring', 'models', 'default.yaml');
const SEED = 2026;
const TEST_FRACTION = 0.3;

const pct = (x: number) => x * 100;

/**
 * Scoring figures: quality of the predictive model and of "hot" on held-out X Education leads
 * (fixed seeded split, leaking columns excluded) and the speed of training, prediction and scoring.
 */
export async function benchScoring(seconds = 2): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const split = `held-out ${pct(TEST_FRACTION)} %, seed ${SEED}`;

  // Rule-based scoring speed does not need the data set.
  const model = loadScoringModelFile(DEFAULT_MODEL_FILE);
  const now = new Date('2026-06-01T00:00:00Z');
  const profile: ScoringProfile = {
    kind: 'B2B',
    email: 'cfo@acme.de',
    company: { industry: 'Software', employees: 120, annualRevenue: 2e7, foundedYear: 2015, country: 'DE' },
    source: { channel: 'referral', origin: 'referral' },
  };
  const activities: ScoringActivity[] = Array.from({ length: 12 }, (_, i) => ({
    type: ['page_visit', 'whitepaper_download', 'contact_form'][i % 3],
    at: new Date(now.getTime() - i * 86400000).toISOString(),
  }));
  results.push({
    name: 'scoreLead (default model, 12 activities)',
    value: await opsPerSecond(() => {
      scoreLead(profile, activities, model, now, { score: 70 });
      return 1;
    }, seconds),
    unit: 'scores/s',
    note: 'full breakdown, one lead',
  });

  if (!existsSync(LEADS_CSV)) {
    console.warn(`X Education figures skipped: ${LEADS_CSV} not found`);
    return results;
  }

  const evaluation = evaluateOnXEducation(LEADS_CSV, { seed: SEED, testFraction: TEST_FRACTION });
  const strict = evaluateOnXEducation(LEADS_CSV, { seed: SEED, testFraction: TEST_FRACTION, withoutSalesSideActivity: true });
  const seeds = [1, 2, 3, 4, 5].map((seed) => evaluateOnXEducation(LEADS_CSV, { seed, testFraction: TEST_FRACTION }).predictive.auc);
  const mean = seeds.reduce((a, b) => a + b, 0) / seeds.length;
  const { hot, warmOrHot, temperatures } = evaluation.score;

  results.push(
    {
      name: 'X Education predictive ROC AUC',
      value: evaluation.predictive.auc,
      unit: '',
      comparedWith: 'published non-leaking logistic regression ≈ 0.88',
      note: `${evaluation.predictive.auc.toFixed(4)}; ${split}`,
    },
    {
      name: 'X Education predictive ROC AUC, 5 other seeds',
      value: mean,
      unit: 'mean',
      note: `${mean.toFixed(4)}; seeds 1-5: ${seeds.map((a) => a.toFixed(4)).join(', ')}`,
    },
    {
      name: 'X Education AUC without sales-side Last Activity',
      value: strict.predictive.auc,
      unit: '',
      note: `${strict.predictive.auc.toFixed(4)}; SMS Sent, Had a Phone Conversation, Unreachable, Approached upfront → unknown`,
    },
    {
      name: 'X Education total score ROC AUC',
      value: evaluation.score.auc,
      unit: '',
      note: `${evaluation.score.auc.toFixed(4)}; scoring model ${evaluation.score.scoringModelVersion}`,
    },
    {
      name: 'hot precision',
      value: pct(hot.precision),
      unit: '%',
      note: `total ≥ ${hot.threshold}: ${hot.selected} of ${evaluation.testLeads} leads hot`,
    },
    { name: 'hot recall', value: pct(hot.recall), unit: '%', note: `${hot.truePositives} of the held-out won leads` },
    {
      name: 'warm-or-hot precision / recall',
      value: pct(warmOrHot.precision),
      unit: '%',
      note: `recall ${pct(warmOrHot.recall).toFixed(1)} %, total ≥ ${warmOrHot.threshold}`,
    },
    ...(['hot', 'warm', 'cold'] as const).map((t) => ({
      name: `conversion of ${t} leads`,
      value: pct(temperatures[t].conversionRate),
      unit: '%',
      note: `${temperatures[t].leads} leads; base rate ${pct(evaluation.testConversionRate).toFixed(1)} %`,
    })),
    ...evaluation.predictive.lift.map((d) => ({
      name: `lift, decile ${d.decile}`,
      value: d.lift,
      unit: '×',
      note: `conversion ${pct(d.conversionRate).toFixed(1)} %, cumulative capture ${pct(d.cumulativeCapture).toFixed(1)} %`,
    })),
    {
      name: 'predictive training (IRLS)',
      value: evaluation.trainingMs,
      unit: 'ms',
      note: `${evaluation.trainLeads} leads, ${Object.keys(evaluation.model.weights).length} weights, ${evaluation.model.training.iterations} Newton steps`,
    },
  );

  const leads = xEducationRows(LEADS_CSV);
  const features = leads.map((l) => xEducationFeatures(l));
  const scoringModel = loadScoringModelFile(X_EDUCATION_SCORING_MODEL_FILE);
  let i = 0;
  results.push({
    name: 'predict (X Education model)',
    value: await opsPerSecond(() => {
      predict(evaluation.model, features[i++ % features.length]);
      return 1;
    }, seconds),
    unit: 'predictions/s',
    note: 'with the top 5 factors',
  });
  const at = now.toISOString();
  const inputs = leads.map((l) => ({ profile: xEducationProfile(l), activities: xEducationActivities(l, at) }));
  results.push({
    name: 'predict + scoreLead (X Education)',
    value: await opsPerSecond(() => {
      const k = i++ % leads.length;
      const p = predict(evaluation.model, features[k]);
      scoreLead(inputs[k].profile, inputs[k].activities, scoringModel, now, { score: p.score });
      return 1;
    }, seconds),
    unit: 'leads/s',
  });
  return results;
}

if (require.main === module) runStandalone(() => benchScoring());
