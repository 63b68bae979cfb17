import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeadRuleRefusedError, LeadValidationError } from '@lead/domain';
import { SqliteEventStore } from '@lead/event-store';
import { openTestEngine, type TestEngine } from '../policies.test-kit';
import { SCORING_MODELS_STREAM } from './scoring-model.events';

const MODEL = (version: string, hot = 100) =>
  `version: "${version}"\nengagement:\n  call_booked: { points: 50 }\nnegative: {}\nfit: {}\nthresholds: { hot: ${hot}, warm: 50 }\n`;

describe('versioned models as events (stream scoring-models)', () => {
  let engine: TestEngine;
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'models-'));
    engine = await openTestEngine({ policies: { reactor: false, minTrainingOutcomes: 4 } });
  });
  afterEach(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const types = async () =>
    (await engine.store.readStream(SCORING_MODELS_STREAM)).map((e) => `${e.type} ${(e.data as { version: string }).version}`);

  it('activates the default model on a first start, once, even with two instances starting together', async () => {
    const other = await openTestEngine({ store: engine.store, policies: { reactor: false } });
    try {
      // Both append the same event at the same revision: the store keeps one (an idempotent append).
      await Promise.all([engine.models.bootstrap(), other.models.bootstrap()]);
    } finally {
      await other.close();
    }
    expect(await types()).toEqual(['ScoringModelActivated 2026.1']);
    expect(await engine.models.bootstrap()).toBe('present');
    expect((await engine.models.active()).scoring).toMatchObject({
      version: '2026.1',
      origin: 'default.yaml',
      actor: 'service:lead-engine',
      source: expect.stringContaining('# Default lead scoring model'),
    });
  });

  it('activates the default even when the stream already holds a predictive model', async () => {
    await engine.store.appendToStream(SCORING_MODELS_STREAM, [
      { id: '0b6b6a8e-4a5e-4a55-9d4e-8d7c1f0a0a01', type: 'SomethingElse', data: {}, metadata: {} },
    ]);
    expect(await engine.models.bootstrap()).toBe('activated');
    expect(await types()).toEqual(['SomethingElse undefined', 'ScoringModelActivated 2026.1']);
  });

  it('SCORING_MODEL_PATH picks the model of a first start', async () => {
    const file = join(dir, 'mine.yaml');
    writeFileSync(file, MODEL('mine-1'));
    const store = new SqliteEventStore({ path: ':memory:' });
    const mine = await openTestEngine({ store, policies: { reactor: false, scoringModelPath: file } });
    try {
      await mine.models.bootstrap();
      expect((await mine.models.active()).scoring).toMatchObject({ version: 'mine-1', origin: 'mine.yaml' });
    } finally {
      await mine.close();
      await store.close();
    }
  });

  it('activates a new version, changes nothing for the same model again, and refuses a reused version', async () => {
    await engine.models.bootstrap();
    expect(await engine.models.activate(MODEL('2026.2'), 'user:maria')).toMatchObject({
      version: '2026.2',
      activated: true,
      previousVersion: '2026.1',
    });
    // Same rules written differently (key order, comments) are the same model.
    expect(
      await engine.models.activate(
        `# again\nthresholds: { warm: 50, hot: 100 }\n${MODEL('2026.2').replace(/thresholds.*\n/, '')}`,
        'user:maria',
      ),
    ).toMatchObject({ activated: false });
    await expect(engine.models.activate(MODEL('2026.2', 90), 'user:maria')).rejects.toMatchObject({ rule: 'scoring_model.version_reused' });
    await expect(engine.models.activate(MODEL('2026.2', 90), 'user:maria')).rejects.toBeInstanceOf(LeadRuleRefusedError);
    // Going back to an earlier version is an activation of its own.
    const original = (await engine.models.history())[0].event.data as { source: string };
    expect(await engine.models.activate(original.source, 'user:ion')).toMatchObject({
      version: '2026.1',
      activated: true,
      previousVersion: '2026.2',
    });
    expect(await types()).toEqual(['ScoringModelActivated 2026.1', 'ScoringModelActivated 2026.2', 'ScoringModelActivated 2026.1']);
    const [, second] = await engine.store.readStream(SCORING_MODELS_STREAM);
    expect(second.metadata).toMatchObject({ actor: 'user:maria', schemaVersion: 1 });
  });

  it('reports every problem of a model text with its line, column and field', async () => {
    const error = await engine.models
      .activate('version: 3\nthresholds: { hot: 1, warm: 2 }\nfit: { colour: {} }\n', 'user:maria')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeadValidationError);
    expect((error as LeadValidationError).problems).toEqual([
      { field: 'source.version', message: 'line 1, column 10: expected a string, got 3 (quote it: "3")', line: 1, column: 10 },
      { field: 'source.fit.colour', message: expect.stringMatching(/^line 3, column 8: unknown field/), line: 3, column: 8 },
      {
        field: 'source.thresholds.hot',
        message: 'line 2, column 20: must be greater than thresholds.warm (2), got 1',
        line: 2,
        column: 20,
      },
    ]);
  });

  it('retrains on the outcomes of the history, one version after the other, and refuses while there are too few', async () => {
    await expect(engine.models.retrain('user:maria')).rejects.toMatchObject({ rule: 'predictive.insufficient_history' });
    const lead = async (channel: 'referral' | 'ebook', won: boolean) => {
      const { leadId } = await engine.send({
        type: 'CaptureLead',
        data: { kind: 'B2C', contact: { name: 'X', phone: `+4072${Math.floor(Math.random() * 1e7)}` }, source: { channel } },
      });
      await engine.send({ type: 'HandToSales', leadId, data: { override: { reason: 'test' } } });
      await engine.send({ type: 'ReportSaleOutcome', leadId, data: won ? { outcome: 'won' } : { outcome: 'lost', reason: 'price' } });
    };
    for (const [channel, won] of [
      ['referral', true],
      ['referral', true],
      ['ebook', false],
      ['ebook', false],
      ['referral', false],
    ] as const)
      await lead(channel, won);
    await engine.send({
      type: 'CaptureLead',
      data: { kind: 'B2C', contact: { name: 'Open', email: 'open@x.ro' }, source: { channel: 'ebook' } },
    });
    const first = await engine.models.retrain('user:maria');
    expect(first).toMatchObject({
      version: 'predictive-1',
      trainedOn: { leads: 5, won: 2 },
      excluded: { withoutOutcome: 1, erased: 0, merged: 0 },
      metrics: { inSampleAuc: expect.any(Number) },
    });
    expect((await engine.models.retrain('user:maria')).version).toBe('predictive-2');
    expect((await engine.models.active()).predictive).toMatchObject({
      version: 'predictive-2',
      actor: 'user:maria',
      trainedOn: { leads: 5, won: 2 },
    });
  });
});
