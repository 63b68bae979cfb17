import { TEMPERATURES, type Temperature } from '@lead/domain';
import {
  liftByDecile,
  precisionRecallAt,
  predict,
  rocAuc,
  type DecileLift,
  type PrecisionRecall,
  type PredictiveModel,
  type ScoringModel,
} from '@lead/scoring';
import { scoreWith } from '../policies/scoring.policy';
import { predictiveFeatures, type LeadHistory } from '../scoring-models/lead-history';

export interface BacktestOptions {
  model: ScoringModel;
  /** Thresholds to try instead of the model's. */
  thresholds?: { hot?: number; warm?: number };
  /** A predictive model for the `predictive` rule; without one the rule scores its `missing` points. */
  predictive?: PredictiveModel;
}

export interface BacktestReport {
  modelVersion: string;
  thresholds: { hot: number; warm: number };
  leads: number;
  converted: number;
  conversionRate: number;
  excluded: { withoutOutcome: number; erased: number; merged: number };
  /** How well the total ranks converted leads above the others (0.5 = chance). */
  auc: number;
  hot: PrecisionRecall;
  warmOrHot: PrecisionRecall;
  byTemperature: Record<Temperature, { leads: number; converted: number; conversionRate: number }>;
  lift: DecileLift[];
}

/**
 * How a scoring model and thresholds would have classified the leads of the history, against what
 * became of them. Each lead is scored as of the moment hot-or-not mattered (its first hand-off or
 * disqualification, else its outcome), with the activities it had by then.
 */
export function backtest(histories: Iterable<LeadHistory>, options: BacktestOptions): BacktestReport {
  const thresholds = {
    hot: options.thresholds?.hot ?? options.model.thresholds.hot,
    warm: options.thresholds?.warm ?? options.model.thresholds.warm,
  };
  if (!(thresholds.hot > thresholds.warm))
    throw new RangeError(`the hot threshold (${thresholds.hot}) must be above the warm one (${thresholds.warm})`);
  const model: ScoringModel = { ...options.model, thresholds };
  const excluded = { withoutOutcome: 0, erased: 0, merged: 0 };
  const totals: number[] = [];
  const won: boolean[] = [];
  const temperatures: Temperature[] = [];
  for (const h of histories) {
    if (h.status === 'erased') excluded.erased++;
    else if (h.status === 'merged') excluded.merged++;
    else if (!h.outcome || !h.profile) excluded.withoutOutcome++;
    else {
      const asOf = new Date(h.decidedAt ?? h.outcome.at);
      const prediction = options.predictive ? predict(options.predictive, predictiveFeatures(h), { topFactors: 0 }) : undefined;
      const score = scoreWith(h, model, asOf, prediction);
      totals.push(score.total);
      temperatures.push(score.temperature);
      won.push(h.outcome.converted);
    }
  }
  const converted = won.filter(Boolean).length;
  const byTemperature = Object.fromEntries(
    TEMPERATURES.map((t) => {
      const idx = temperatures.flatMap((x, i) => (x === t ? [i] : []));
      const c = idx.filter((i) => won[i]).length;
      return [t, { leads: idx.length, converted: c, conversionRate: idx.length ? c / idx.length : NaN }];
    }),
  ) as BacktestReport['byTemperature'];
  return {
    modelVersion: model.version,
    thresholds,
    leads: totals.length,
    converted,
    conversionRate: totals.length ? converted / totals.length : NaN,
    excluded,
    auc: rocAuc(totals, won),
    hot: precisionRecallAt(totals, won, thresholds.hot),
    warmOrHot: precisionRecallAt(totals, won, thresholds.warm),
    byTemperature,
    lift: liftByDecile(totals, won),
  };
}
