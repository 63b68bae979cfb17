import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteEventStore, type Position } from '@lead/event-store';
import { FUNNEL_DAILY } from '../read-models/funnel/funnel.projection';
import { PIPELINE, pipelineProjection } from '../read-models/pipeline/pipeline.projection';
import { READ_MODEL_PROJECTIONS } from '../read-models/read-models';
import type { ProjectionCommit, ReadStore } from '../read-store/read-store.port';
import { SqliteReadStore } from '../read-store/sqlite-read-store';
import {
  appendLead,
  at,
  cleanRebuild,
  dumpReadModels,
  ev,
  silentLogger,
  startHarness,
  type ProjectionHarness,
} from '../testing/projection.test-kit';
import { appendCommands, generateLeads, chronological } from '../testing/lead-history.generator';
import { ProjectionLagTimeoutError, ProjectionStoppedError, UnknownProjectionError } from './projection-errors';
import { ProjectionRunner } from './projection-runner';

const position = (n: number): Position => ({ commit: BigInt(n), prepare: BigInt(n) });

async function captureLeads(h: ProjectionHarness, n: number, day = '2025-01-01'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = randomUUID();
    ids.push(id);
    await appendLead(h.store, id, [at(`${day}T10:00:00Z`, ev.captured(id))]);
  }
  return ids;
}

describe('ProjectionRunner', () => {
  let h: ProjectionHarness;
  afterEach(async () => h?.close());

  it('catches up in batches, committing each batch with its checkpoint', async () => {
    const commits: number[] = [];
    h = await startHarness({ start: false, runner: { maxBatchSize: 100, onCommit: (c) => commits.push(c.events) } });
    await appendCommands(h.store, chronological(generateLeads({ leads: 300, seed: 11 })));
    const head = (await h.store.headPosition())!;
    await h.runner.start();
    await h.catchUp();

    expect(commits.reduce((a, b) => a + b, 0)).toBe(Number(head.commit));
    expect(Math.max(...commits)).toBe(100);
    for (const def of READ_MODEL_PROJECTIONS)
      expect(await h.readStore.checkpoint(def.name)).toMatchObject({ position: head, version: def.version });
    expect((await h.runner.status()).map((s) => [s.name, s.state, s.checkpoint, s.eventsBehind])).toEqual(
      h.runner.names.map((name) => [name, 'running', head.commit.toString(), 0]),
    );
  });

  it('reads the log once for projections at the same checkpoint and applies live events as they come', async () => {
    h = await startHarness();
    await h.catchUp();
    const [lead] = await captureLeads(h, 1);
    const result = await appendLead(h.store, lead, [at('2025-01-02T10:00:00Z', ev.scored(lead, 80, 'hot'))], 0n);
    await h.runner.waitForPosition(result.position, 2000);
    expect(await h.readStore.get(PIPELINE, lead)).toMatchObject({
      score: 80,
      temperature: 'hot',
      revision: 1,
      position: result.position.commit.toString(),
    });
    expect((await h.runner.status()).every((s) => s.state === 'running')).toBe(true);
  });

  it('passes over events of other streams but moves its checkpoint past them', async () => {
    h = await startHarness();
    await h.store.appendToStream('scoring-model-v1', [
      { id: randomUUID(), type: 'ScoringModelPublished', data: { version: 'v1' }, metadata: {} },
    ]);
    const [lead] = await captureLeads(h, 1);
    const head = await h.catchUp();
    expect(h.runner.checkpointOf('pipeline')).toEqual(head);
    expect(await h.readStore.find(PIPELINE)).toHaveLength(1);
    expect((await h.readStore.get(PIPELINE, lead))?.position).toBe('2');
  });

  it('stops a projection at an event it cannot apply, naming it, after committing what came before; the others go on', async () => {
    h = await startHarness();
    const [good] = await captureLeads(h, 1);
    const orphan = randomUUID();
    // Scored without ever being captured: the pipeline has no row to score.
    const bad = await appendLead(h.store, orphan, [at('2025-01-02T10:00:00Z', ev.scored(orphan, 50, 'warm'))]);
    const after = await appendLead(h.store, good, [at('2025-01-03T10:00:00Z', ev.assigned(good, 'ana', 'A'))], 0n);

    await h.runner.waitForPosition(after.position, 2000, ['funnel', 'nurture-queue', 'disqualifications']);
    await expect(h.runner.waitForPosition(after.position, 2000, ['pipeline'])).rejects.toBeInstanceOf(ProjectionStoppedError);

    const status = await h.runner.statusOf('pipeline');
    expect(status.state).toBe('stopped_with_error');
    expect(status.checkpoint).toBe('1'); // the capture before the bad event is committed
    expect(status.eventsBehind).toBe(2);
    expect(status.error).toMatchObject({ eventType: 'LeadScored', streamId: `lead-${orphan}`, position: bad.position.commit.toString() });
    expect(status.error?.message).toContain('no LeadCaptured');
    expect(await h.readStore.checkpoint('pipeline')).toMatchObject({ position: position(1) });
    expect((await h.runner.statusOf('funnel')).state).toBe('running');
  });

  it('applies a window chunk by chunk and commits it once', async () => {
    const commits: number[] = [];
    h = await startHarness({ start: false, runner: { maxBatchSize: 100, chunkSize: 10, onCommit: (c) => commits.push(c.events) } });
    await appendCommands(h.store, chronological(generateLeads({ leads: 100, seed: 12 })));
    const head = Number((await h.store.headPosition())!.commit);
    await h.runner.start();
    await h.catchUp();

    expect(commits.slice(0, -1)).toEqual(Array(Math.ceil(head / 100) - 1).fill(100));
    expect(commits.reduce((a, b) => a + b, 0)).toBe(head);
  });

  it('commits every event before one it cannot apply deep inside a window, replaying that window chunk by chunk', async () => {
    const history = () => chronological(generateLeads({ leads: 120, seed: 31 }));
    h = await startHarness({ start: false, runner: { maxBatchSize: 5000, chunkSize: 40 } });
    await appendCommands(h.store, history());
    const orphan = randomUUID();
    const bad = await appendLead(h.store, orphan, [at('2025-06-02T10:00:00Z', ev.scored(orphan, 50, 'warm'))]);
    await appendCommands(h.store, chronological(generateLeads({ leads: 50, seed: 32, start: '2025-07-01' })));
    expect(Number(bad.position.commit)).toBeGreaterThan(40); // past the first chunk of its window
    await h.runner.start();
    await h.runner.waitForPosition((await h.store.headPosition())!, 5000, ['funnel', 'nurture-queue', 'disqualifications']);

    const status = await h.runner.statusOf('pipeline');
    expect(status).toMatchObject({ state: 'stopped_with_error', checkpoint: (bad.position.commit - 1n).toString() });
    expect(status.error).toMatchObject({ eventType: 'LeadScored', streamId: `lead-${orphan}`, position: bad.position.commit.toString() });
    // Exactly the read model of the history before the bad event.
    const before = new SqliteEventStore({ path: ':memory:' });
    await appendCommands(before, history());
    expect(await dumpReadModels(h.readStore, [pipelineProjection])).toEqual(await cleanRebuild(before, [pipelineProjection]));
    await before.close();
  });

  it('takes documents from the window still committing, and ends equal to a clean build with small chunks', async () => {
    // A file, so that commits run on the writer thread while the next window is applied.
    const dir = mkdtempSync(join(tmpdir(), 'lead-projections-'));
    try {
      h = await startHarness({
        start: false,
        readStore: new SqliteReadStore({ path: join(dir, 'read.sqlite') }),
        runner: { maxBatchSize: 200, chunkSize: 20 },
      });
      await appendCommands(h.store, chronological(generateLeads({ leads: 300, seed: 13 })));
      await h.runner.start();
      await h.catchUp();
      expect(await dumpReadModels(h.readStore)).toEqual(await cleanRebuild(h.store));
    } finally {
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replays from scratch without secondary indexes and builds them before the last windows commit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lead-projections-'));
    const file = join(dir, 'read.sqlite');
    try {
      const indexed: { position: bigint; indexes: number }[] = [];
      const pipelineIndexes = () => {
        const db = new BetterSqlite3(file, { readonly: true });
        try {
          return db
            .prepare("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'rm_pipeline' AND sql IS NOT NULL")
            .pluck()
            .get() as number;
        } finally {
          db.close();
        }
      };
      h = await startHarness({
        start: false,
        readStore: new SqliteReadStore({ path: file }),
        projections: [pipelineProjection],
        runner: {
          maxBatchSize: 100,
          chunkSize: 20,
          onCommit: (c) => indexed.push({ position: c.position.commit, indexes: pipelineIndexes() }),
        },
      });
      await appendCommands(h.store, chronological(generateLeads({ leads: 120, seed: 17 })));
      const head = (await h.store.headPosition())!.commit;
      await h.runner.start();
      await h.catchUp();

      const count = pipelineProjection.collections[0].indexes.length;
      // Built once the head was less than a window and a half away (150 events): every commit reported before
      // the window that started the build opened (two windows before it, at the latest) had none.
      const early = indexed.filter((c) => c.position <= head - 250n);
      expect(early.length).toBeGreaterThan(5);
      expect(early.every((c) => c.indexes === 0)).toBe(true);
      // The last commit maintained them.
      expect(indexed[indexed.length - 1]).toEqual({ position: head, indexes: count });
      expect(pipelineIndexes()).toBe(count);
      expect(await dumpReadModels(h.readStore, [pipelineProjection])).toEqual(await cleanRebuild(h.store, [pipelineProjection]));
    } finally {
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops every projection at an event type it does not know, and only those that apply a type at its malformed data', async () => {
    h = await startHarness();
    const [lead] = await captureLeads(h, 1);
    await h.store.appendToStream(`lead-${lead}`, [
      {
        id: randomUUID(),
        type: 'SentToNurture',
        data: { leadId: lead, reason: 'no track' },
        metadata: { occurredAt: '2025-01-02T00:00:00.000Z' },
      },
    ]);
    await h.store.appendToStream(`lead-${lead}`, [{ id: randomUUID(), type: 'LeadTeleported', data: { leadId: lead }, metadata: {} }]);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const statuses = Object.fromEntries((await h.runner.status()).map((s) => [s.name, s]));
    // Malformed SentToNurture: pipeline, nurture-queue and funnel apply that type; disqualifications does not.
    for (const name of ['pipeline', 'nurture-queue', 'funnel'])
      expect(statuses[name].error).toMatchObject({ eventType: 'SentToNurture', position: '2' });
    expect(statuses.pipeline.error?.message).toContain('missing field "track"');
    expect(statuses.disqualifications.error).toMatchObject({ eventType: 'LeadTeleported', position: '3' });
    expect(statuses.disqualifications.error?.message).toContain('not a lead event type');
    expect(Object.values(statuses).every((s) => s.state === 'stopped_with_error')).toBe(true);
  });

  it('reports lag before it starts and while stopped', async () => {
    h = await startHarness({ start: false });
    await captureLeads(h, 5);
    const status = await h.runner.statusOf('funnel');
    expect(status).toMatchObject({ state: 'stopped', checkpoint: null, headPosition: '5', eventsBehind: 5 });
    expect(status.secondsBehind).toBeGreaterThanOrEqual(0);
    await expect(h.runner.waitForPosition(position(5), 100)).rejects.toBeInstanceOf(ProjectionStoppedError);
  });

  it('counts events behind when positions are not dense', async () => {
    h = await startHarness({ start: false, runner: { densePositions: false, eventsBehindCountCap: 3 } });
    await captureLeads(h, 5);
    expect(await h.runner.statusOf('pipeline')).toMatchObject({ eventsBehind: 3, eventsBehindCapped: true });
  });

  it('times out waiting for a position it does not reach', async () => {
    h = await startHarness();
    await captureLeads(h, 1);
    const error = await h.runner.waitForPosition(position(99), 100, ['pipeline']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProjectionLagTimeoutError);
    expect((error as Error).message).toMatch(/has not reached position 99 within 100 ms/);
  });

  it('resumes from its checkpoint after a restart without applying anything twice', async () => {
    const store = new SqliteEventStore({ path: ':memory:', pollIntervalMs: 20 });
    const readStore = new SqliteReadStore({ path: ':memory:' });
    await appendCommands(store, chronological(generateLeads({ leads: 200, seed: 5 })));
    const first = new ProjectionRunner(store, readStore, READ_MODEL_PROJECTIONS, { logger: silentLogger, maxBatchSize: 64 });
    await first.start();
    await first.waitForPosition((await store.headPosition())!, 5000);
    await first.stop();

    await appendCommands(store, chronological(generateLeads({ leads: 200, seed: 6 })));
    const second = new ProjectionRunner(store, readStore, READ_MODEL_PROJECTIONS, { logger: silentLogger, maxBatchSize: 64 });
    await second.start();
    await second.waitForPosition((await store.headPosition())!, 5000);
    await second.stop();
    expect(await dumpReadModels(readStore)).toEqual(await cleanRebuild(store));
    await readStore.close();
    await store.close();
  });

  it('rebuilds projections from scratch while events keep coming, and ends equal to a clean build', async () => {
    h = await startHarness({ runner: { maxBatchSize: 50 } });
    await appendCommands(h.store, chronological(generateLeads({ leads: 300, seed: 21 })));
    await h.catchUp();
    const before = await h.readStore.find(FUNNEL_DAILY);

    const writing = appendCommands(h.store, chronological(generateLeads({ leads: 300, seed: 22, start: '2025-01-01' })), 50);
    const status = await h.runner.rebuild('funnel');
    expect(status.state).toBe('catching_up');
    // The others too, one of them twice at once.
    await Promise.all([
      h.runner.rebuild('pipeline'),
      h.runner.rebuild('nurture-queue'),
      h.runner.rebuild('disqualifications'),
      h.runner.rebuild('disqualifications'),
    ]);
    await writing;
    await h.catchUp();

    expect(before.length).toBeGreaterThan(0);
    expect(await dumpReadModels(h.readStore)).toEqual(await cleanRebuild(h.store));
    expect((await h.runner.status()).every((s) => s.state === 'running')).toBe(true);
  });

  it('rebuilds a projection that stopped with an error, and refuses an unknown name', async () => {
    h = await startHarness();
    const orphan = randomUUID();
    await appendLead(h.store, orphan, [at('2025-01-02T10:00:00Z', ev.scored(orphan, 50, 'warm'))]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await h.runner.statusOf('pipeline')).state).toBe('stopped_with_error');
    await h.runner.rebuild('pipeline');
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Same history, same verdict: rebuilding does not skip the event.
    expect((await h.runner.statusOf('pipeline')).error?.eventType).toBe('LeadScored');
    await expect(h.runner.rebuild('pipelines')).rejects.toBeInstanceOf(UnknownProjectionError);
  });

  it('rebuilds at start a read model built by another version of its projection', async () => {
    const store = new SqliteEventStore({ path: ':memory:' });
    const readStore = new SqliteReadStore({ path: ':memory:' });
    const id = randomUUID();
    await appendLead(store, id, [at('2025-01-01T10:00:00Z', ev.captured(id))]);
    const v1 = new ProjectionRunner(store, readStore, [pipelineProjection], { logger: silentLogger });
    await v1.start();
    await v1.waitForPosition(position(1), 2000);
    await v1.stop();
    // Pretend the stored rows were written by code that computed something else.
    await readStore.commit([
      {
        projection: 'pipeline',
        ops: [{ op: 'put', collection: PIPELINE, key: id, doc: { leadId: id, stage: 'bogus' } }],
        checkpoint: { position: position(1), recordedAt: null, version: 1 },
      },
    ]);

    const v2 = new ProjectionRunner(store, readStore, [{ ...pipelineProjection, version: 2 }], { logger: silentLogger });
    await v2.start();
    await v2.waitForPosition(position(1), 2000);
    await v2.stop();
    expect(await readStore.get(PIPELINE, id)).toMatchObject({ stage: 'open' });
    expect(await readStore.checkpoint('pipeline')).toMatchObject({ version: 2 });
    await readStore.close();
    await store.close();
  });

  it('retries from the checkpoint when the read store fails, and says so in its status', async () => {
    const real = new SqliteReadStore({ path: ':memory:' });
    let failures = 2;
    const flaky: ReadStore = Object.assign(Object.create(real) as ReadStore, {
      commit: async (commits: readonly ProjectionCommit[]) => {
        if (failures-- > 0) throw new Error('disk on fire');
        return real.commit(commits);
      },
    });
    h = await startHarness({ readStore: flaky, start: false, runner: { retryDelayMs: { min: 50, max: 50 } } });
    const ids = await captureLeads(h, 3);
    await h.runner.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await h.runner.statusOf('pipeline')).retry).toMatchObject({ attempts: 1, error: 'disk on fire' });
    await h.catchUp();
    expect((await h.runner.statusOf('pipeline')).retry).toBeUndefined();
    expect((await real.find(PIPELINE)).map((d) => d.leadId).sort()).toEqual([...ids].sort());
  });
});
