/**
 * The model comparison a champion/challenger backtest prints (`scoring backtest --model a --model b
 * --format json`) and the HTML report reads. A copy of the backtest's type until the two are merged:
 * the report validates what it reads and names every field that is wrong.
 */
export interface ModelComparison {
  generatedAt: string;
  split: { seed: number; testShare: number; trainLeads: number; testLeads: number; convertedInTest: number };
  models: Array<{
    name: string;
    version: string;
    rocAuc: number;
    rocAucCi95: [number, number];
    roc: Array<{ fpr: number; tpr: number }>;
    thresholds: Array<{ threshold: number; precision: number; recall: number; handedToSales: number; perWeek: number }>;
    liftByDecile: number[];
    calibration: { bins: Array<{ predicted: number; observed: number; count: number }>; brier: number };
    workloadPerWeek: Array<{ week: string; handedToSales: number }>;
  }>;
  routedDifferently: { count: number; sample: Array<{ leadId: string; routes: string[] }> };
}

export class ModelComparisonError extends Error {
  override readonly name = 'ModelComparisonError';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file} is not a model comparison:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

type Check = (value: unknown, path: string) => void;

/** Parses and validates a comparison JSON; every problem names its path, e.g. models[1].roc[3].tpr. */
export function parseModelComparison(text: string, file: string): ModelComparison {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new ModelComparisonError(file, [`not JSON: ${(error as Error).message}`]);
  }
  const problems: string[] = [];
  const bad = (path: string, expected: string, value: unknown) =>
    problems.push(
      `${path || '(root)'}: expected ${expected}, got ${value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 40)}`,
    );
  const num =
    (min = -Infinity, max = Infinity): Check =>
    (v, path) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
        bad(path, min === 0 && max === 1 ? 'a number from 0 to 1' : min === 0 ? 'a number ≥ 0' : 'a number', v);
    };
  const str =
    (pattern?: RegExp, what = 'a string'): Check =>
    (v, path) => {
      if (typeof v !== 'string' || (pattern && !pattern.test(v))) bad(path, what, v);
    };
  const obj =
    (fields: Record<string, Check>): Check =>
    (v, path) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad(path, 'an object', v);
      for (const [key, check] of Object.entries(fields)) check((v as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
    };
  const list =
    (item: Check, opts: { min?: number; length?: number } = {}): Check =>
    (v, path) => {
      if (!Array.isArray(v)) return bad(path, 'a list', v);
      if (opts.length !== undefined && v.length !== opts.length) return bad(path, `a list of ${opts.length}`, `${v.length} items`);
      if (opts.min !== undefined && v.length < opts.min) return bad(path, `a list of at least ${opts.min}`, `${v.length} items`);
      v.forEach((x, i) => item(x, `${path}[${i}]`));
    };
  const share = num(0, 1);
  const count = num(0);
  obj({
    generatedAt: str(/^\d{4}-\d{2}-\d{2}T/, 'an ISO time'),
    split: obj({ seed: num(), testShare: share, trainLeads: count, testLeads: count, convertedInTest: count }),
    models: list(
      obj({
        name: str(),
        version: str(),
        rocAuc: share,
        rocAucCi95: list(share, { length: 2 }),
        roc: list(obj({ fpr: share, tpr: share }), { min: 2 }),
        thresholds: list(obj({ threshold: num(), precision: share, recall: share, handedToSales: count, perWeek: count })),
        liftByDecile: list(count, { length: 10 }),
        calibration: obj({ bins: list(obj({ predicted: share, observed: share, count })), brier: share }),
        workloadPerWeek: list(obj({ week: str(/^\d{4}-W\d{2}$/, 'an ISO week YYYY-Www'), handedToSales: count })),
      }),
      { min: 1 },
    ),
    routedDifferently: obj({ count, sample: list(obj({ leadId: str(), routes: list(str()) })) }),
  })(root, '');
  if (problems.length > 0) throw new ModelComparisonError(file, problems);
  return root as ModelComparison;
}
