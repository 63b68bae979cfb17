import { resolve } from 'node:path';
import type { Temperature } from '@lead/domain';
import { xEducationActivities, xEducationFeatures, xEducationProfile, xEducationRows } from './datasets/x-education';
import { scoreLead } from './lead-scorer';
import { predict, train } from './predictive/logistic-regression';
import type { PredictiveModel } from './predictive/predictive-model';
import { loadScoringModelFile, type ScoringModel } from './scoring-model';

/** Ranking and classification metrics for scores against known outcomes. Pure functions over arrays. */

/**
 * ROC AUC by ranks (Mann-Whitney U): the probability that a random won lead scores above a random
 * lost one, ties counting half. Tied scores share their average rank.
 */
export function rocAuc(scores: readonly number[], won: readonly boolean[]): number {
  if (scores.length !== won.length) throw new Error('rocAuc: scores and outcomes differ in length');
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Float64Array(scores.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const rank = (i + j) / 2 + 1; // average of ranks i+1 … j+1
    for (let k = i; k <= j; k++) ranks[order[k][1]] = rank;
    i = j + 1;
  }
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < won.length; i++) {
    if (won[i]) {
      positives++;
      rankSum += ranks[i];
    }
  }
  const negatives = won.length - positives;
  if (positives === 0 || negatives === 0) return NaN; // undefined with one class only
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export interface PrecisionRecall {
  threshold: number;
  /** Leads at or above the threshold. */
  selected: number;
  truePositives: number;
  /** Share of selected leads that were won; NaN when nothing is selected. */
  precision: number;
  /** Share of won leads that were selected. */
  recall: number;
}

/** Precision and recall of the rule "score ≥ threshold" (e.g. "hot"). */
export function precisionRecallAt(scores: readonly number[], won: readonly boolean[], threshold: number): PrecisionRecall {
  let selected = 0;
  let truePositives = 0;
  let positives = 0;
  for (let i = 0; i < scores.length; i++) {
    if (won[i]) positives++;
    if (scores[i] >= threshold) {
      selected++;
      if (won[i]) truePositives++;
    }
  }
  return {
    threshold,
    selected,
    truePositives,
    precision: selected ? truePositives / selected : NaN,
    recall: positives ? truePositives / positives : NaN,
  };
}

export interface DecileLift {
  /** 1 = the tenth of leads with the highest scores. */
  decile: number;
  leads: number;
  won: number;
  conversionRate: number;
  /** Conversion in this decile divided by the overall conversion. */
  lift: number;
  /** Share of all won leads found in deciles 1..this one. */
  cumulativeCapture: number;
  cumulativeLift: number;
}

/**
 * Lift by decile: leads sorted by score (highest first) and cut into ten groups as equal as possible.
 * Leads with equal scores are kept in input order, so ties across a cut are split by position.
 */
export function liftByDecile(scores: readonly number[], won: readonly boolean[], groups = 10): DecileLift[] {
  const n = scores.length;
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const totalWon = won.filter(Boolean).length;
  const baseRate = n ? totalWon / n : NaN;
  const result: DecileLift[] = [];
  let cumulativeLeads = 0;
  let cumulativeWon = 0;
  for (let g = 0; g < groups; g++) {
    const from = Math.round((g * n) / groups);
    const to = Math.round(((g + 1) * n) / groups);
    let w = 0;
    for (let k = from; k < to; k++) if (won[order[k][1]]) w++;
    const leads = to - from;
    cumulativeLeads += leads;
    cumulativeWon += w;
    const rate = leads ? w / leads : NaN;
    result.push({
      decile: g + 1,
      leads,
      won: w,
      conversionRate: rate,
      lift: rate / baseRate,
      cumulativeCapture: totalWon ? cumulativeWon / totalWon : NaN,
      cumulativeLift: cumulativeLeads ? cumulativeWon / cumulativeLeads / baseRate : NaN,
    });
  }
  return result;
}

/** A small deterministic PRNG (mulberry32): the same seed always gives the same split. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Splits items into train and test, stratified by outcome so both parts keep the conversion rate,
 * with a seeded shuffle: the same seed and input always give the same split.
 */
export function stratifiedSplit<T>(
  items: readonly T[],
  isWon: (item: T) => boolean,
  testFraction: number,
  seed: number,
): { train: T[]; test: T[] } {
  if (!(testFraction > 0 && testFraction < 1)) throw new Error('stratifiedSplit: testFraction must be between 0 and 1');
  const random = seededRandom(seed);
  const train: T[] = [];
  const test: T[] = [];
  for (const cls of [true, false]) {
    const group = items.filter((item) => isWon(item) === cls);
    for (let i = group.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [group[i], group[j]] = [group[j], group[i]];
    }
    const cut = Math.round(group.length * testFraction);
    test.push(...group.slice(0, cut));
    train.push(...group.slice(cut));
  }
  return { train, test };
}

// ---------------------------------------------------------------- X Education

export interface XEducationEvaluationOptions {
  seed: number;
  /** Share of leads held out for the report, e.g. 0.3. */
  testFraction: number;
  /** Scoring model for the total score and the hot threshold; default models/x-education.yaml. */
  scoringModel?: ScoringModel;
  l2?: number;
  minCount?: number;
  /** Drop Last Activity values that are sales actions (see SALES_SIDE_LAST_ACTIVITIES). */
  withoutSalesSideActivity?: boolean;
  /** The scoring clock (the file has no timestamps, so every activity happens at this instant and nothing decays). */
  now?: Date;
}

export interface RankingReport {
  auc: number;
  lift: DecileLift[];
}

export interface XEducationEvaluation {
  leads: number;
  trainLeads: number;
  testLeads: number;
  /** Conversion rate of the held-out part. */
  testConversionRate: number;
  model: PredictiveModel;
  trainingMs: number;
  /** The predictive score 1..100 alone. */
  predictive: RankingReport;
  /** The scoring model's total (engagement + fit + predictive) and its temperatures. */
  score: RankingReport & {
    scoringModelVersion: string;
    hot: PrecisionRecall;
    /** "Warm or hotter" — what reaches sales or nurture rather than the content track. */
    warmOrHot: PrecisionRecall;
    temperatures: Record<Temperature, { leads: number; won: number; conversionRate: number }>;
  };
}

/** Where the X Education scoring model lives (beside the default model). */
export const X_EDUCATION_SCORING_MODEL_FILE = resolve(__dirname, '..', 'models', 'x-education.yaml');

/**
 * Trains the predictive model on a fixed, seeded, stratified part of Leads.csv and reports on the
 * held-out rest: AUC and lift of the predictive score and of the total score, and precision and
 * recall of "hot" at the scoring model's threshold.
 */
export function evaluateOnXEducation(file: string, options: XEducationEvaluationOptions): XEducationEvaluation {
  const leads = xEducationRows(file);
  const { train: trainLeads, test } = stratifiedSplit(leads, (l) => l.converted, options.testFraction, options.seed);
  const featureOptions = { withoutSalesSideActivity: options.withoutSalesSideActivity };
  const started = process.hrtime.bigint();
  const model = train(
    trainLeads.map((l) => ({ features: xEducationFeatures(l, featureOptions), won: l.converted })),
    { version: `x-education-lr-seed${options.seed}`, l2: options.l2 ?? 3, minCount: options.minCount ?? 10 },
  );
  const trainingMs = Number(process.hrtime.bigint() - started) / 1e6;

  const scoringModel = options.scoringModel ?? loadScoringModelFile(X_EDUCATION_SCORING_MODEL_FILE);
  const now = options.now ?? new Date('2026-01-01T00:00:00Z');
  const at = now.toISOString();
  const won = test.map((l) => l.converted);
  const predictive: number[] = [];
  const totals: number[] = [];
  const temperatures: Temperature[] = [];
  for (const lead of test) {
    const p = predict(model, xEducationFeatures(lead, featureOptions), { topFactors: 0 });
    predictive.push(p.probability);
    const s = scoreLead(xEducationProfile(lead), xEducationActivities(lead, at), scoringModel, now, {
      score: p.score,
      modelVersion: model.version,
    });
    totals.push(s.total);
    temperatures.push(s.temperature);
  }
  const byTemperature = (t: Temperature) => {
    const idx = temperatures.map((x, i) => (x === t ? i : -1)).filter((i) => i >= 0);
    const w = idx.filter((i) => won[i]).length;
    return { leads: idx.length, won: w, conversionRate: idx.length ? w / idx.length : NaN };
  };
  return {
    leads: leads.length,
    trainLeads: trainLeads.length,
    testLeads: test.length,
    testConversionRate: won.filter(Boolean).length / won.length,
    model,
    trainingMs,
    predictive: { auc: rocAuc(predictive, won), lift: liftByDecile(predictive, won) },
    score: {
      scoringModelVersion: scoringModel.version,
      auc: rocAuc(totals, won),
      lift: liftByDecile(totals, won),
      hot: precisionRecallAt(totals, won, scoringModel.thresholds.hot),
      warmOrHot: precisionRecallAt(totals, won, scoringModel.thresholds.warm),
      temperatures: { hot: byTemperature('hot'), warm: byTemperature('warm'), cold: byTemperature('cold') },
    },
  };
}
