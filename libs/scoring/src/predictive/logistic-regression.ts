import {
  OTHER_VALUE,
  PREDICTIVE_MODEL_FORMAT,
  UNKNOWN_VALUE,
  weightKey,
  type FeatureVector,
  type PredictionFactor,
  type PredictionResult,
  type PredictiveModel,
  type TrainingExample,
} from './predictive-model';

export interface TrainOptions {
  version: string;
  /** L2 penalty on every weight except the intercept. It also resolves the collinearity of a full one-hot encoding. */
  l2?: number;
  /** Values seen fewer times are pooled into "(other)", so one lucky lead does not make a rule. */
  minCount?: number;
  maxIterations?: number;
  /** Stop when no weight moves by more than this in a Newton step. */
  tolerance?: number;
  /** ISO timestamp recorded in the model; passed in so that training stays deterministic. */
  trainedAt?: string;
}

export interface PredictOptions {
  /** How many factors to list; default 5. */
  topFactors?: number;
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

const valueOf = (features: FeatureVector, feature: string): string => {
  const v = features[feature];
  return v === undefined || v === '' ? UNKNOWN_VALUE : v;
};

/**
 * L2-regularised logistic regression over one-hot features, fitted by Newton's method (IRLS):
 * the objective is convex, a handful of iterations reach the optimum, and the result does not
 * depend on a learning rate or on the order of the examples.
 */
export function train(examples: readonly TrainingExample[], options: TrainOptions): PredictiveModel {
  if (examples.length === 0) throw new Error('train: no examples');
  const l2 = options.l2 ?? 1;
  const minCount = options.minCount ?? 5;
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-7;

  // Vocabulary: per feature, the values frequent enough to get a weight of their own.
  const counts = new Map<string, Map<string, number>>();
  for (const ex of examples) for (const f of Object.keys(ex.features)) if (!counts.has(f)) counts.set(f, new Map());
  for (const ex of examples) {
    for (const [f, values] of counts) {
      const v = valueOf(ex.features, f);
      values.set(v, (values.get(v) ?? 0) + 1);
    }
  }
  const vocabulary: Record<string, string[]> = {};
  const columns = new Map<string, number>(); // weightKey → column (0 is the intercept)
  for (const f of [...counts.keys()].sort()) {
    const values = counts.get(f)!;
    const kept = [...values.entries()]
      .filter(([, n]) => n >= minCount)
      .map(([v]) => v)
      .sort();
    const pooled = [...values.values()].some((n) => n < minCount);
    vocabulary[f] = kept;
    for (const v of pooled ? [...kept, OTHER_VALUE] : kept) columns.set(weightKey(f, v), columns.size + 1);
  }
  const features = Object.keys(vocabulary);
  const d = columns.size + 1;

  const rows: Int32Array[] = examples.map((ex) => {
    const active = [0];
    for (const f of features) {
      const col = columns.get(weightKey(f, bucket(vocabulary[f], valueOf(ex.features, f))));
      if (col !== undefined) active.push(col);
    }
    return Int32Array.from(active);
  });
  const y = examples.map((ex) => (ex.won ? 1 : 0));

  const beta = new Float64Array(d);
  const positives = y.reduce((s: number, v) => s + v, 0);
  // Start from the base rate so the first step is already sensible.
  beta[0] = Math.log((positives + 0.5) / (examples.length - positives + 0.5));

  const objective = (b: Float64Array): number => {
    let loss = 0;
    for (let i = 0; i < rows.length; i++) {
      let z = 0;
      for (const c of rows[i]) z += b[c];
      // log(1 + e^z) - y z, computed without overflow
      loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y[i] * z;
    }
    let penalty = 0;
    for (let j = 1; j < d; j++) penalty += b[j] * b[j];
    return loss + (l2 / 2) * penalty;
  };

  let iterations = 0;
  let converged = false;
  let current = objective(beta);
  while (iterations < maxIterations && !converged) {
    iterations++;
    const grad = new Float64Array(d);
    const hess = new Float64Array(d * d);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      let z = 0;
      for (const c of row) z += beta[c];
      const p = sigmoid(z);
      const r = p - y[i];
      const w = Math.max(p * (1 - p), 1e-10);
      for (let a = 0; a < row.length; a++) {
        const ca = row[a];
        grad[ca] += r;
        const base = ca * d;
        for (let b = 0; b < row.length; b++) hess[base + row[b]] += w;
      }
    }
    for (let j = 1; j < d; j++) {
      grad[j] += l2 * beta[j];
      hess[j * d + j] += l2;
    }
    hess[0] += 1e-9; // keeps the system positive definite when l2 is 0 and a column is empty
    const step = solveSymmetric(hess, grad, d);

    // Damped Newton: halve the step until the objective does not get worse.
    let scale = 1;
    let next = new Float64Array(d);
    let value = Infinity;
    for (let tries = 0; tries < 30; tries++) {
      for (let j = 0; j < d; j++) next[j] = beta[j] - scale * step[j];
      value = objective(next);
      if (value <= current + 1e-12) break;
      scale /= 2;
    }
    let maxMove = 0;
    for (let j = 0; j < d; j++) maxMove = Math.max(maxMove, Math.abs(next[j] - beta[j]));
    beta.set(next);
    current = value;
    next = new Float64Array(0);
    converged = maxMove < tolerance;
  }

  const weights: Record<string, number> = {};
  for (const [key, col] of columns) weights[key] = beta[col];
  const featureMeans: Record<string, number> = {};
  for (const f of features) {
    let sum = 0;
    for (const ex of examples) sum += weights[weightKey(f, bucket(vocabulary[f], valueOf(ex.features, f)))] ?? 0;
    featureMeans[f] = sum / examples.length;
  }
  const baselineLogit = beta[0] + Object.values(featureMeans).reduce((s, v) => s + v, 0);

  let logLoss = 0;
  for (let i = 0; i < rows.length; i++) {
    let z = 0;
    for (const c of rows[i]) z += beta[c];
    const p = Math.min(Math.max(sigmoid(z), 1e-15), 1 - 1e-15);
    logLoss -= y[i] ? Math.log(p) : Math.log(1 - p);
  }

  return {
    format: PREDICTIVE_MODEL_FORMAT,
    version: options.version,
    ...(options.trainedAt ? { trainedAt: options.trainedAt } : {}),
    vocabulary,
    intercept: beta[0],
    weights,
    featureMeans,
    baselineLogit,
    training: { examples: examples.length, positives, l2, minCount, iterations, converged, logLoss: logLoss / rows.length },
  };
}

/** Probability of a win, a 1..100 score and the factors that moved it, relative to an average lead. */
export function predict(model: PredictiveModel, features: FeatureVector, options: PredictOptions = {}): PredictionResult {
  let logit = model.baselineLogit;
  const factors: PredictionFactor[] = [];
  for (const [feature, known] of Object.entries(model.vocabulary)) {
    const value = bucket(known, valueOf(features, feature));
    const contribution = (model.weights[weightKey(feature, value)] ?? 0) - (model.featureMeans[feature] ?? 0);
    logit += contribution;
    factors.push({ feature, value, contribution });
  }
  const probability = sigmoid(logit);
  factors.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || a.feature.localeCompare(b.feature));
  return {
    score: scoreFromProbability(probability),
    probability,
    modelVersion: model.version,
    topFactors: factors.filter((f) => Math.abs(f.contribution) > 1e-9).slice(0, options.topFactors ?? 5),
  };
}

/** The probability in percent, clamped to 1..100: a score of 73 reads as "73 % of leads like this one were won". */
export function scoreFromProbability(probability: number): number {
  return Math.min(100, Math.max(1, Math.round(probability * 100)));
}

function bucket(known: readonly string[], value: string): string {
  return known.includes(value) ? value : OTHER_VALUE;
}

/** Solves H x = g for a symmetric positive definite H (row-major, n × n) by Cholesky decomposition. */
function solveSymmetric(h: Float64Array, g: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = h[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      if (i === j) l[i * n + i] = Math.sqrt(Math.max(sum, 1e-12));
      else l[i * n + j] = sum / l[j * n + j];
    }
  }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = g[i];
    for (let k = 0; k < i; k++) sum -= l[i * n + k] * z[k];
    z[i] = sum / l[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = z[i];
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k];
    x[i] = sum / l[i * n + i];
  }
  return x;
}
