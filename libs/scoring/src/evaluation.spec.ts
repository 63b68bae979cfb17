import { liftByDecile, precisionRecallAt, rocAuc, seededRandom, stratifiedSplit } from './evaluation';

const T = true;
const F = false;

describe('rocAuc', () => {
  it('is 1 when every won lead scores above every lost one', () => expect(rocAuc([0.9, 0.8, 0.3, 0.1], [T, T, F, F])).toBe(1));
  it('is 0 when the ranking is exactly backwards', () => expect(rocAuc([0.1, 0.2, 0.8, 0.9], [T, T, F, F])).toBe(0));
  it('is 0.5 when all scores are tied', () => expect(rocAuc([5, 5, 5, 5], [T, F, T, F])).toBe(0.5));

  it('counts the share of correctly ordered won/lost pairs: 3 of 4 → 0.75', () => {
    // won: 0.8, 0.4; lost: 0.6, 0.2 → pairs (0.8>0.6, 0.8>0.2, 0.4<0.6, 0.4>0.2) = 3/4
    expect(rocAuc([0.8, 0.6, 0.4, 0.2], [T, F, T, F])).toBe(0.75);
  });

  it('counts a tie between a won and a lost lead as half a pair', () => {
    // won: 3, 2; lost: 2, 1 → (3>2, 3>1, 2=2 → ½, 2>1) = 3.5 / 4
    expect(rocAuc([3, 2, 2, 1], [T, T, F, F])).toBe(0.875);
  });

  it('agrees with counting pairs by brute force on random data with many ties', () => {
    const random = seededRandom(3);
    const scores = Array.from({ length: 300 }, () => Math.floor(random() * 20));
    const won = scores.map((s) => random() < s / 25);
    let pairs = 0;
    let good = 0;
    for (let i = 0; i < scores.length; i++) {
      for (let j = 0; j < scores.length; j++) {
        if (won[i] && !won[j]) {
          pairs++;
          good += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
        }
      }
    }
    expect(rocAuc(scores, won)).toBeCloseTo(good / pairs, 12);
  });

  it('is undefined (NaN) with a single class', () => expect(rocAuc([1, 2], [T, T])).toBeNaN());
});

describe('precisionRecallAt', () => {
  it('takes "score ≥ threshold" as selected', () => {
    expect(precisionRecallAt([90, 80, 70, 60, 50], [T, F, T, T, F], 70)).toEqual({
      threshold: 70,
      selected: 3,
      truePositives: 2,
      precision: 2 / 3,
      recall: 2 / 3,
    });
  });
  it('has no precision when nothing is selected', () => expect(precisionRecallAt([1, 2], [T, F], 10).precision).toBeNaN());
});

describe('liftByDecile', () => {
  it('sorts by score and compares each tenth with the overall conversion', () => {
    // 20 leads, 4 won (20 %); the two best-scored tenths hold all of them.
    const scores = Array.from({ length: 20 }, (_, i) => 20 - i);
    const won = scores.map((_, i) => i < 4);
    const lift = liftByDecile(scores, won);
    expect(lift).toHaveLength(10);
    expect(lift[0]).toEqual({ decile: 1, leads: 2, won: 2, conversionRate: 1, lift: 5, cumulativeCapture: 0.5, cumulativeLift: 5 });
    expect(lift[1]).toMatchObject({ decile: 2, won: 2, lift: 5, cumulativeCapture: 1, cumulativeLift: 5 });
    expect(lift[9]).toMatchObject({ won: 0, lift: 0, cumulativeCapture: 1, cumulativeLift: 1 });
  });
  it('uses every lead once, in groups as equal as possible', () =>
    expect(
      liftByDecile(
        Array.from({ length: 23 }, (_, i) => i),
        Array(23).fill(T),
      )
        .map((d) => d.leads)
        .reduce((a, b) => a + b),
    ).toBe(23));
});

describe('stratifiedSplit', () => {
  const items = Array.from({ length: 1000 }, (_, i) => ({ id: i, won: i % 4 === 0 }));

  it('is the same for the same seed and different for another', () => {
    const a = stratifiedSplit(items, (x) => x.won, 0.3, 42);
    expect(stratifiedSplit(items, (x) => x.won, 0.3, 42)).toEqual(a);
    expect(stratifiedSplit(items, (x) => x.won, 0.3, 43).test).not.toEqual(a.test);
  });

  it('keeps the conversion rate in both parts and loses no lead', () => {
    const { train, test } = stratifiedSplit(items, (x) => x.won, 0.3, 1);
    expect(test).toHaveLength(300);
    expect(test.filter((x) => x.won)).toHaveLength(75);
    expect(new Set([...train, ...test].map((x) => x.id)).size).toBe(1000);
  });
});
