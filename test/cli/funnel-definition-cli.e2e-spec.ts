import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cellLeads, measureFunnel, parseCell, readFunnelDefinition, replayHistory } from '@lead/analytics';
import { SqliteEventStore } from '@lead/event-store';
import { runCli as cli, writeGeneratedHistory } from '../support/cli';

const ROOT = join(__dirname, '..', '..');
const FAST_SALES = join(ROOT, 'libs', 'analytics', 'funnels', 'fast-sales.yaml');

describe('lead-engine funnel --definition', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    ({ dir, env } = await writeGeneratedHistory('lead-engine-cli-', { leads: 200, seed: 41, start: '2025-01-01', days: 120 }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replays the whole history under the definition, with time travel and a breakdown', async () => {
    const args = ['funnel', '--definition', FAST_SALES, '--as-occurred', '2025-03-31', '--breakdown', 'channel', '--format', 'json'];
    const answered = JSON.parse((await cli(args, env)).stdout);
    const store = new SqliteEventStore({ path: env.SQLITE_PATH });
    try {
      const replay = await replayHistory(store, readFunnelDefinition(FAST_SALES), { asOccurred: '2025-03-31T23:59:59.999Z' });
      expect(answered).toEqual(measureFunnel(replay, { breakdown: 'channel' }));
      expect(answered.totals.steps[0].entered).toBeGreaterThan(100);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('exports the lead ids behind a cell as CSV', async () => {
    const cell = 'step=qualified,outcome=dropped';
    const { stdout } = await cli(['funnel', '--definition', FAST_SALES, '--cell', cell, '--format', 'csv'], env);
    const store = new SqliteEventStore({ path: env.SQLITE_PATH });
    try {
      const definition = readFunnelDefinition(FAST_SALES);
      const expected = cellLeads(await replayHistory(store, definition), parseCell(cell, definition));
      const lines = stdout.trim().split('\n');
      expect(lines[0]).toBe('leadId,enteredAt,qualifiedAt,status');
      expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(expected.map((l) => l.leadId));
      expect(expected.length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('refuses a definition with problems, each named by line, column and field', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'name: bad\nsteps:\n  - status: open\n  - status: sold\nwindow: forever\n');
    const error = (await cli(['funnel', '--definition', file], env).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(error.code).toBe(1);
    expect(error.stderr).toContain(`${file}:4:13 steps.1.status: unknown status "sold"`);
    expect(error.stderr).toContain(`${file}:5:9 window: must be a duration such as "30d", "12h" or "2w", got "forever"`);
  }, 60_000);
});
