import type { ModelComparison } from '@lead/analytics';

/** A plausible comparison of two models, shaped as the backtest prints it (the report's input, not its result). */
export function sampleComparison(): ModelComparison {
  const model = (name: string, version: string, strength: number): ModelComparison['models'][number] => {
    const roc = Array.from({ length: 21 }, (_, i) => {
      const fpr = i / 20;
      return { fpr, tpr: Math.min(1, Math.pow(fpr, 1 / strength)) };
    });
    return {
      name,
      version,
      rocAuc: strength / (strength + 1),
      rocAucCi95: [strength / (strength + 1) - 0.02, strength / (strength + 1) + 0.02],
      roc,
      thresholds: [40, 60, 80].map((threshold) => ({
        threshold,
        precision: 0.3 + threshold / 200,
        recall: 1 - threshold / 100,
        handedToSales: 500 - 5 * threshold,
        perWeek: 10 - threshold / 10,
      })),
      liftByDecile: Array.from({ length: 10 }, (_, i) => Math.max(0.1, strength * (1 - i / 10))),
      calibration: {
        bins: Array.from({ length: 10 }, (_, i) => ({
          predicted: (i + 0.5) / 10,
          observed: Math.min(1, ((i + 0.5) / 10) ** (1 / strength)),
          count: 100,
        })),
        brier: 0.2 / strength,
      },
      workloadPerWeek: Array.from({ length: 12 }, (_, i) => ({
        week: `2025-W${String(i + 1).padStart(2, '0')}`,
        handedToSales: Math.round(20 + 5 * strength + (i % 4)),
      })),
    };
  };
  return {
    generatedAt: '2025-06-01T10:00:00.000Z',
    split: { seed: 7, testShare: 0.3, trainLeads: 7000, testLeads: 3000, convertedInTest: 1100 },
    models: [model('champion.yaml', 'v3', 2), model('challenger.yaml', 'v4', 3)],
    routedDifferently: { count: 240, sample: [{ leadId: '7f1c7a8e-9d1b-4a53-9b8e-0c6c2b7f1a10', routes: ['sales', 'nurture'] }] },
  };
}
