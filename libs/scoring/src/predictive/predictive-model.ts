/**
 * A trained predictive model, serialisable to JSON. It is a plain logistic regression over
 * one-hot categorical features, so every prediction can be explained factor by factor.
 */

/** Categorical features of one lead: feature name → value; undefined means unknown. */
export type FeatureVector = Record<string, string | undefined>;

export interface TrainingExample {
  features: FeatureVector;
  /** true: the lead was won (converted); false: lost. */
  won: boolean;
}

export const PREDICTIVE_MODEL_FORMAT = 'lead-scoring/logistic-regression@1';

/** Value a feature takes when it is missing. It is a category of its own: "unknown" often predicts something. */
export const UNKNOWN_VALUE = '(unknown)';
/** Values seen fewer than minCount times in training (and values never seen) fall into this bucket. */
export const OTHER_VALUE = '(other)';

export interface PredictiveModel {
  format: typeof PREDICTIVE_MODEL_FORMAT;
  /** Model version, recorded with every score it contributes to. */
  version: string;
  trainedAt?: string;
  /** Feature name → the values the model knows (others map to OTHER_VALUE). */
  vocabulary: Record<string, string[]>;
  intercept: number;
  /** "feature=value" → weight in log-odds. Missing keys weigh 0. */
  weights: Record<string, number>;
  /**
   * Average weight of each feature over the training set. A factor's contribution is its weight
   * minus this average, so contributions are relative to an average lead and add up (with
   * `baselineLogit`) to the prediction's log-odds.
   */
  featureMeans: Record<string, number>;
  baselineLogit: number;
  training: {
    examples: number;
    positives: number;
    l2: number;
    minCount: number;
    iterations: number;
    converged: boolean;
    logLoss: number;
  };
}

export interface PredictionFactor {
  feature: string;
  value: string;
  /** Signed log-odds contribution relative to the average training lead. */
  contribution: number;
}

export interface PredictionResult {
  /** 1..100, the probability in percent, rounded and clamped. */
  score: number;
  probability: number;
  modelVersion: string;
  /** Largest contributions first (by absolute value). */
  topFactors: PredictionFactor[];
}

export const weightKey = (feature: string, value: string): string => `${feature}=${value}`;

/** Reads a model back from JSON, refusing anything that is not one (a wrong file must not score silently). */
export function parsePredictiveModel(json: string | unknown): PredictiveModel {
  const value = typeof json === 'string' ? (JSON.parse(json) as unknown) : json;
  const m = value as Partial<PredictiveModel> | null;
  const problems: string[] = [];
  if (!m || typeof m !== 'object') throw new Error('predictive model: expected a JSON object');
  if (m.format !== PREDICTIVE_MODEL_FORMAT) problems.push(`format: expected "${PREDICTIVE_MODEL_FORMAT}", got ${JSON.stringify(m.format)}`);
  if (typeof m.version !== 'string' || !m.version) problems.push('version: expected a non-empty string');
  if (typeof m.intercept !== 'number' || !Number.isFinite(m.intercept)) problems.push('intercept: expected a number');
  if (typeof m.baselineLogit !== 'number' || !Number.isFinite(m.baselineLogit)) problems.push('baselineLogit: expected a number');
  for (const field of ['vocabulary', 'weights', 'featureMeans'] as const) {
    if (!m[field] || typeof m[field] !== 'object') problems.push(`${field}: expected an object`);
  }
  if (m.weights)
    for (const [k, w] of Object.entries(m.weights))
      if (typeof w !== 'number' || !Number.isFinite(w)) problems.push(`weights.${k}: expected a number`);
  if (problems.length) throw new Error(`predictive model:\n  ${problems.join('\n  ')}`);
  return m as PredictiveModel;
}
