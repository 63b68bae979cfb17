import type { Temperature } from '@lead/domain';
import {
  liftByDecile,
  precisionRecallAt,
  predict,
  rocAuc,
  seededRandom,
  stratifiedSplit,
  train,
  type PredictiveModel,
  type ScoringModel,
} from '@lead/scoring';
import { scoreWith } from '../policies/scoring.policy';
import { predictiveFeatures, type LeadHistory } from '../scoring-models/lead-history';

/** The comparison of scoring models on one split of the history; the HTML report reads this shape. */
export interface ModelComparison {
  generatedAt: string;
  split: { seed: number; testShare: number; trainLeads: number; testLeads: number; convertedInTest: number };
  models: ComparedModelReport[];
  /** routes[i] = route under models[i]. */
  routedDifferently: { count: number; sample: Array<{ leadId: string; routes: string[] }> };
}

export interface ComparedModelReport {
  /** File name, or 'active' / 'shadow:<version>'. */
  name: string;
  version: string;
  rocAuc: number;
  rocAucCi95: [number, number];
  roc: Array<{ fpr: number; tpr: number }>;
  thresholds: Array<{ threshold: number; precision: number; recall: number; handedToSales: number; perWeek: number }>;
  /** 10 values, top decile first. */
  liftByDecile: number[];
  calibration: { bins: Array<{ predicted: number; observed: number; count: number }>; brier: number };
  /** At the model's hot threshold, ISO week 'YYYY-Www'. */
  workloadPerWeek: Array<{ week: string; handedToSales: number }>;
}

export interface ModelToCompare {
  name: string;
  model: ScoringModel;
}

export interface CompareOptions {
  models: readonly ModelToCompare[];
  seed: number;
  /** Share of the leads with an outcome held out for the figures, e.g. 0.3. */
  testShare: number;
  /** Bootstrap resamples of the held-out leads for the AUC interval. */
  resamples?: number;
  /**
   * The predictive rule's model: trained on the training part (default), a given model, or none
   * (the rule then scores its `missing` points).
   */
  predictive?: 'train' | 'none' | PredictiveModel;
  /** Replaces the seeded stratified split (tests use a fixed one). */
  split?: (leads: LeadHistory[]) => { train: LeadHistory[]; test: LeadHistory[] };
  /** Leads listed in routedDifferently.sample. */
  sampleSize?: number;
  generatedAt?: Date;
}

export const DEFAULT_RESAMPLES = 1000;
/** Thresholds reported besides each model's own hot and warm. */
export const REPORTED_THRESHOLDS = [10, 20, 30, 40, 50, 60, 70, 80, 90] as const;
/** Width of the score bands a points total is calibrated by. */
export const CALIBRATION_BAND = 10;

/** Where a lead goes under a temperature: hot to sales, warm to nurture, cold to the content track. */
export const ROUTE_BY_TEMPERATURE: Record<Temperature, string> = { hot: 'sales', warm: 'nurture', cold: 'content' };

interface Scored {
  total: number;
  temperature: Temperature;
}

/**
 * Champion / challenger: every model scores the same leads of the same split (each as of the moment
 * hot-or-not mattered, as in `backtest`), so differences come from the models alone. The figures
 * are computed on the held-out part; the training part teaches the predictive rule and the
 * calibration of the points total.
 */
export function compareModels(histories: Iterable<LeadHistory>, options: CompareOptions): ModelComparison {
  if (options.models.length === 0) throw new RangeError('compareModels: no model to compare');
  const eligible = [...histories].filter((h) => h.status !== 'erased' && h.status !== 'merged' && h.outcome && h.profile);
  const split = options.split
    ? options.split(eligible)
    : stratifiedSplit(eligible, (h) => h.outcome!.converted, options.testShare, options.seed);
  const predictive = predictiveFor(split.train, options.predictive ?? 'train', options.seed);
  const testWon = split.test.map((h) => h.outcome!.converted);
  const trainWon = split.train.map((h) => h.outcome!.converted);
  const testWeeks = split.test.map((h) => isoWeek(decisionTime(h)));
  const weeks = weekRange(testWeeks);

  const scoredTest: Scored[][] = [];
  const reports = options.models.map(({ name, model }) => {
    const scoreAll = (leads: LeadHistory[]) => leads.map((h) => scoreAt(h, model, predictive));
    const test = scoreAll(split.test);
    scoredTest.push(test);
    const totals = test.map((s) => s.total);
    const trainTotals = scoreAll(split.train).map((s) => s.total);
    const thresholds = [...new Set([...REPORTED_THRESHOLDS, model.thresholds.warm, model.thresholds.hot])].sort((a, b) => a - b);
    const report: ComparedModelReport = {
      name,
      version: model.version,
      rocAuc: rocAuc(totals, testWon),
      rocAucCi95: bootstrapAucInterval(totals, testWon, options.resamples ?? DEFAULT_RESAMPLES, options.seed),
      roc: rocCurve(totals, testWon),
      thresholds: thresholds.map((threshold) => {
        const pr = precisionRecallAt(totals, testWon, threshold);
        return {
          threshold,
          precision: pr.selected ? pr.precision : 0,
          recall: Number.isNaN(pr.recall) ? 0 : pr.recall,
          handedToSales: pr.selected,
          perWeek: weeks.length ? pr.selected / weeks.length : 0,
        };
      }),
      liftByDecile: liftByDecile(totals, testWon).map((d) => (Number.isFinite(d.lift) ? d.lift : 0)),
      calibration: calibrate(trainTotals, trainWon, totals, testWon),
      workloadPerWeek: weeks.map((week) => ({
        week,
        handedToSales: totals.filter((t, i) => testWeeks[i] === week && t >= model.thresholds.hot).length,
      })),
    };
    return report;
  });

  const differing = split.test.flatMap((h, i) => {
    const routes = scoredTest.map((scores) => ROUTE_BY_TEMPERATURE[scores[i].temperature]);
    return new Set(routes).size > 1 ? [{ leadId: h.leadId, routes }] : [];
  });
  return {
    generatedAt: (options.generatedAt ?? new Date()).toISOString(),
    split: {
      seed: options.seed,
      testShare: options.testShare,
      trainLeads: split.train.length,
      testLeads: split.test.length,
      convertedInTest: testWon.filter(Boolean).length,
    },
    models: reports,
    routedDifferently: { count: differing.length, sample: differing.slice(0, options.sampleSize ?? 20) },
  };
}

const decisionTime = (h: LeadHistory): Date => new Date(h.decidedAt ?? h.outcome!.at);

function scoreAt(h: LeadHistory, model: ScoringModel, predictive: PredictiveModel | undefined): Scored {
  const prediction = predictive ? predict(predictive, predictiveFeatures(h), { topFactors: 0 }) : undefined;
  const { total, temperature } = scoreWith(h, model, decisionTime(h), prediction);
  return { total, temperature };
}

function predictiveFor(trainLeads: LeadHistory[], choice: CompareOptions['predictive'], seed: number): PredictiveModel | undefined {
  if (choice === 'none') return undefined;
  if (choice !== 'train') return choice;
  const won = trainLeads.filter((h) => h.outcome!.converted).length;
  if (won === 0 || won === trainLeads.length) return undefined; // one class only: nothing to learn
  return train(
    trainLeads.map((h) => ({ features: predictiveFeatures(h), won: h.outcome!.converted })),
    { version: `backtest-split-seed${seed}`, trainedAt: new Date(0).toISOString() },
  );
}

/**
 * Percentile interval of the AUC over resamples (with replacement) of the held-out leads. The same
 * seed draws the same resamples for every model, so the intervals of two models are paired.
 * Resamples with one class only have no AUC and are skipped.
 */
export function bootstrapAucInterval(
  scores: readonly number[],
  won: readonly boolean[],
  resamples: number,
  seed: number,
): [number, number] {
  const n = scores.length;
  const random = seededRandom(seed);
  const aucs: number[] = [];
  const s = new Array<number>(n);
  const w = new Array<boolean>(n);
  for (let r = 0; r < resamples && n > 0; r++) {
    for (let k = 0; k < n; k++) {
      const i = Math.floor(random() * n);
      s[k] = scores[i];
      w[k] = won[i];
    }
    const auc = rocAuc(s, w);
    if (!Number.isNaN(auc)) aucs.push(auc);
  }
  if (aucs.length === 0) return [NaN, NaN];
  aucs.sort((a, b) => a - b);
  const at = (q: number) => aucs[Math.min(aucs.length - 1, Math.max(0, Math.ceil(q * aucs.length) - 1))];
  return [at(0.025), at(0.975)];
}

/** The ROC curve: one point per distinct score, from (0,0) (nobody selected) to (1,1) (everybody). */
export function rocCurve(scores: readonly number[], won: readonly boolean[]): Array<{ fpr: number; tpr: number }> {
  const positives = won.filter(Boolean).length;
  const negatives = won.length - positives;
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]);
  const points = [{ fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    if (won[order[k][1]]) tp++;
    else fp++;
    if (k + 1 === order.length || order[k + 1][0] !== order[k][0])
      points.push({ fpr: negatives ? fp / negatives : 0, tpr: positives ? tp / positives : 0 });
  }
  return points;
}

/**
 * A points total is not a probability, so it is calibrated on the training part: each band of
 * CALIBRATION_BAND points (below 0 and from 90 up pooled) predicts the conversion observed in that
 * band among the training leads, or the training conversion when the band had no training lead.
 * Reliability bins are tenths of the predicted probability; only bins with leads are listed.
 */
export function calibrate(
  trainTotals: readonly number[],
  trainWon: readonly boolean[],
  testTotals: readonly number[],
  testWon: readonly boolean[],
): ComparedModelReport['calibration'] {
  const band = (total: number) => Math.min(9, Math.max(0, Math.floor(total / CALIBRATION_BAND)));
  const seen = new Array<number>(10).fill(0);
  const wonIn = new Array<number>(10).fill(0);
  trainTotals.forEach((t, i) => {
    seen[band(t)]++;
    if (trainWon[i]) wonIn[band(t)]++;
  });
  const base = trainTotals.length ? trainWon.filter(Boolean).length / trainTotals.length : 0;
  const predicted = testTotals.map((t) => (seen[band(t)] ? wonIn[band(t)] / seen[band(t)] : base));
  const bins = Array.from({ length: 10 }, () => ({ sum: 0, won: 0, count: 0 }));
  let squared = 0;
  predicted.forEach((p, i) => {
    const bin = bins[Math.min(9, Math.floor(p * 10))];
    bin.sum += p;
    bin.count++;
    if (testWon[i]) bin.won++;
    squared += (p - (testWon[i] ? 1 : 0)) ** 2;
  });
  return {
    bins: bins.filter((b) => b.count > 0).map((b) => ({ predicted: b.sum / b.count, observed: b.won / b.count, count: b.count })),
    brier: predicted.length ? squared / predicted.length : NaN,
  };
}

/** ISO 8601 week of a date (UTC), e.g. '2026-W01'. */
export function isoWeek(date: Date): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day); // the Thursday of the week decides its year
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** Every ISO week from the earliest to the latest given, so that quiet weeks show as zero. */
function weekRange(weeks: readonly string[]): string[] {
  if (weeks.length === 0) return [];
  const sorted = [...new Set(weeks)].sort();
  const mondayOf = (week: string): number => {
    const [year, w] = week.split('-W').map(Number);
    const jan4 = Date.UTC(year, 0, 4);
    const jan4Day = new Date(jan4).getUTCDay() || 7;
    return jan4 - (jan4Day - 1) * 86_400_000 + (w - 1) * 7 * 86_400_000;
  };
  const result: string[] = [];
  for (let t = mondayOf(sorted[0]); t <= mondayOf(sorted.at(-1)!); t += 7 * 86_400_000) result.push(isoWeek(new Date(t)));
  return result;
}
