import { LeadRuleRefusedError } from '@lead/domain';
import { predict, rocAuc, train, type PredictiveModel, type TrainingExample } from '@lead/scoring';
import { predictiveFeatures, type LeadHistory } from './lead-history';

export interface TrainingSet {
  examples: TrainingExample[];
  won: number;
  /** Leads left out, and why. */
  excluded: { withoutOutcome: number; erased: number; merged: number };
}

/**
 * Outcomes from the history: SaleWon = converted; SaleLost or Disqualified = not converted (the last
 * outcome of the lead's current episode). Leads without an outcome are not evidence either way and
 * are left out, as are merged duplicates (their survivor counts) and erased leads.
 */
export function trainingSetFrom(histories: Iterable<LeadHistory>): TrainingSet {
  const set: TrainingSet = { examples: [], won: 0, excluded: { withoutOutcome: 0, erased: 0, merged: 0 } };
  for (const h of histories) {
    if (h.status === 'erased') set.excluded.erased++;
    else if (h.status === 'merged') set.excluded.merged++;
    else if (!h.outcome || !h.profile) set.excluded.withoutOutcome++;
    else {
      set.examples.push({ features: predictiveFeatures(h), won: h.outcome.converted });
      if (h.outcome.converted) set.won++;
    }
  }
  return set;
}

export interface TrainedPredictiveModel {
  model: PredictiveModel;
  trainedOn: { leads: number; won: number };
  metrics: Record<string, number>;
}

/** Trains the logistic model on the history; refuses when the history cannot teach anything yet. */
export function trainPredictive(
  set: TrainingSet,
  options: { version: string; trainedAt: string; minOutcomes?: number },
): TrainedPredictiveModel {
  const n = set.examples.length;
  const min = options.minOutcomes ?? 20;
  if (n < min || set.won === 0 || set.won === n) {
    throw new LeadRuleRefusedError(
      'predictive.insufficient_history',
      `Training needs at least ${min} leads with an outcome, won and lost both present; the history has ${n} (${set.won} won, ${n - set.won} not converted; ${set.excluded.withoutOutcome} without an outcome)`,
    );
  }
  const model = train(set.examples, { version: options.version, trainedAt: options.trainedAt });
  const probabilities = set.examples.map((ex) => predict(model, ex.features, { topFactors: 0 }).probability);
  return {
    model,
    trainedOn: { leads: n, won: set.won },
    // In-sample figures: a sanity check of the fit, not an estimate of accuracy on new leads.
    metrics: {
      inSampleAuc: rocAuc(
        probabilities,
        set.examples.map((ex) => ex.won),
      ),
      logLoss: model.training.logLoss,
      iterations: model.training.iterations,
    },
  };
}
