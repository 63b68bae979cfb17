import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '@lead/event-store';
import { PersonalDataEventStore, openPrivacy } from '@lead/privacy';
import { funnelAsOf, queryFunnel, type FunnelReport } from '@lead/projections';
import { startHarness } from '../../libs/projections/src/testing/projection.test-kit';
import { runCli as cli, writeGeneratedHistory } from '../support/cli';

describe('lead-engine funnel', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    ({ dir, env } = await writeGeneratedHistory('lead-engine-cli-', { leads: 150, seed: 77, start: '2025-01-01', days: 120 }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers as of a past date what a replay of the funnel to that date answers', async () => {
    const { stdout } = await cli(
      [
        'funnel',
        '--as-of',
        '2025-03-15',
        '--from',
        '2025-01-01',
        '--period',
        'month',
        '--group-by',
        'channel',
        '--view',
        'cohort',
        '--format',
        'json',
      ],
      env,
    );
    const answered = JSON.parse(stdout) as FunnelReport & { asOf: string };

    const store = new PersonalDataEventStore(new SqliteEventStore({ path: env.SQLITE_PATH }), await openPrivacy({}, env.SQLITE_PATH, env));
    const h = await startHarness({ store, projections: [funnelAsOf('2025-03-15T23:59:59.999Z')] });
    try {
      await h.catchUp();
      const expected = await queryFunnel(h.readStore, {
        from: '2025-01-01',
        to: '2025-03-15',
        period: 'month',
        groupBy: 'channel',
        view: 'cohort',
      });
      expect(answered).toEqual({ asOf: '2025-03-15T23:59:59.999Z', ...expected });
      expect(answered.totals.reduce((n, t) => n + t.counts.captured, 0)).toBeGreaterThan(0);
    } finally {
      await h.close();
    }
  }, 60_000);

  it('writes CSV with the same rows as JSON', async () => {
    const args = ['funnel', '--from', '2025-01-01', '--to', '2025-04-30', '--period', 'month'];
    const [csv, json] = await Promise.all([cli([...args, '--format', 'csv'], env), cli([...args, '--format', 'json'], env)]);
    const report = JSON.parse(json.stdout) as FunnelReport;
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'period,group,captured,qualified,disqualified,nurtured,reactivated,handed,won,lost,qualified/captured,won/captured,median captured→qualified (days),p90 captured→qualified (days)',
    );
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 3))).toEqual(
      [...report.rows, ...report.totals].map((r) => [r.period ?? 'total', r.group ?? '', String(r.counts.captured)]),
    );
  }, 60_000);

  it('refuses a bad option, naming it, and writes nothing', async () => {
    const error = (await cli(['funnel', '--group-by', 'planet', '--format', 'csv', '--out', join(dir, 'out.csv')], env).catch(
      (e: unknown) => e,
    )) as { code: number; stderr: string };
    expect(error.code).toBe(1);
    expect(error.stderr).toContain('--group-by must be one of channel, origin, campaign, segment, owner (got "planet")');
    expect(() => rmSync(join(dir, 'out.csv'))).toThrow();
  }, 60_000);
});
