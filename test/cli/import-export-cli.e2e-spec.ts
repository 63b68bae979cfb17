import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

function cli(args: string[], env: Record<string, string>) {
  return run(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/cli/src/main.ts', ...args],
    {
      cwd: ROOT,
      env: { ...process.env, POLICIES: 'off', ...env },
    },
  );
}

const MAPPING = `
name: shop
key: id
lead:
  kind: B2C
  contact: { name: "{name}", email: { column: email } }
  source: { channel: { column: via } }
attributes:
  plan: { column: plan }
times:
  captured: { column: created }
  outcome: { after_captured: { days: 10 } }
outcome:
  column: result
  won: [won]
  lost: [lost]
  hand_to_sales: { reason: historical import }
`;
// 40 leads: the "pro" plan converts more often, so a model can learn something; line 42 has a bad channel.
const rows = Array.from({ length: 40 }, (_, i) => {
  const plan = i % 2 ? 'pro' : 'free';
  const won = plan === 'pro' ? i % 3 !== 0 : i % 5 === 0;
  const day = String(1 + (i % 28)).padStart(2, '0');
  return `${i + 1},Person ${i + 1},p${i + 1}@shop.example,web_form,${plan},2026-01-${day}T10:00:00Z,${won ? 'won' : 'lost'}`;
});
const CSV = [
  'id,name,email,via,plan,created,result',
  ...rows,
  '41,Bad Row,bad@shop.example,carrier_pigeon,free,2026-01-02T10:00:00Z,lost',
].join('\n');

const MODEL = (version: string, weight: number) => `
version: "${version}"
engagement: {}
negative: {}
fit: {}
predictive: { weight: ${weight}, missing: 0 }
thresholds: { hot: 10, warm: 0 }
`;

describe('lead-engine import csv, export and backtest comparison', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lead-engine-import-'));
    env = {
      SQLITE_PATH: join(dir, 'leads.sqlite'),
      KEYS_SQLITE_PATH: join(dir, 'keys.sqlite'),
      READ_SQLITE_PATH: join(dir, 'read.sqlite'),
      POLICY_SQLITE_PATH: join(dir, 'policies.sqlite'),
    };
    writeFileSync(join(dir, 'shop.yaml'), MAPPING);
    writeFileSync(join(dir, 'shop.csv'), CSV);
    writeFileSync(join(dir, 'a.yaml'), MODEL('a-1', 50));
    writeFileSync(join(dir, 'b.yaml'), MODEL('b-1', 20));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports the rows, reports the refused one, and appends nothing on a re-run', async () => {
    const args = ['import', 'csv', join(dir, 'shop.csv'), '--mapping', join(dir, 'shop.yaml'), '--report', join(dir, 'refused.csv')];
    const first = await cli(args, env);
    expect(first.stdout).toMatch(/41 rows in .*: 40 leads appended, 0 already imported, 1 rows refused/);
    expect(readFileSync(join(dir, 'refused.csv'), 'utf8')).toBe(
      'row,column,message\n42,via,"source.channel: ""carrier_pigeon"" is not one of web_form, ebook, trial, price_request, event, referral, trade_show, inbound_email, phone_call, other"\n',
    );
    const second = await cli(args, env);
    expect(second.stdout).toMatch(/0 leads appended, 40 already imported, 1 rows refused/);
  }, 60_000);

  it('refuses a mapping that names a column the file lacks, locating it in the mapping', async () => {
    writeFileSync(join(dir, 'typo.yaml'), MAPPING.replace('column: plan', 'column: plann'));
    const failed = await cli(['import', 'csv', join(dir, 'shop.csv'), '--mapping', join(dir, 'typo.yaml')], env).catch(
      (e: { stderr: string }) => e,
    );
    expect((failed as { stderr: string }).stderr).toContain('typo.yaml:9:19 attributes.plan.column: the file has no column "plann"');
  }, 60_000);

  it('exports events by business time and type, without contact details on request', async () => {
    const { stdout } = await cli(
      ['export', 'events', '--from', '2026-01-01', '--to', '2026-01-03', '--type', 'LeadCaptured', '--no-personal-data'],
      env,
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; occurredAt: string; data: Record<string, unknown> });
    // Leads 1, 29 (day 1) and 2, 30 (day 2) were captured before 2026-01-03.
    expect(lines.map((l) => l.occurredAt).sort()).toEqual([
      '2026-01-01T10:00:00.000Z',
      '2026-01-01T10:00:00.000Z',
      '2026-01-02T10:00:00.000Z',
      '2026-01-02T10:00:00.000Z',
    ]);
    expect(lines.every((l) => l.type === 'LeadCaptured' && !('contact' in l.data) && l.data.attributes !== undefined)).toBe(true);
    const withContacts = await cli(['export', 'events', '--to', '2026-01-02', '--type', 'LeadCaptured'], env);
    expect(JSON.parse(withContacts.stdout.split('\n')[0]).data.contact.email).toMatch(/@shop\.example$/);
  }, 60_000);

  it('compares two models on one split as ModelComparison JSON', async () => {
    const { stdout } = await cli(
      [
        'scoring',
        'backtest',
        '--model',
        join(dir, 'a.yaml'),
        '--model',
        join(dir, 'b.yaml'),
        '--seed',
        '3',
        '--test-share',
        '0.5',
        '--resamples',
        '50',
        '--format',
        'json',
      ],
      env,
    );
    const report = JSON.parse(stdout);
    // Stratified: half of the won and half of the lost leads, each rounded.
    const won = rows.filter((r) => r.endsWith(',won')).length;
    const testLeads = Math.round(won / 2) + Math.round((40 - won) / 2);
    expect(report.split).toEqual({ seed: 3, testShare: 0.5, trainLeads: 40 - testLeads, testLeads, convertedInTest: Math.round(won / 2) });
    expect(report.models.map((m: { name: string; version: string }) => [m.name, m.version])).toEqual([
      ['a.yaml', 'a-1'],
      ['b.yaml', 'b-1'],
    ]);
    for (const m of report.models) {
      expect(m.liftByDecile).toHaveLength(10);
      expect(m.rocAucCi95[0]).toBeLessThanOrEqual(m.rocAuc);
      expect(m.workloadPerWeek.length).toBeGreaterThan(0);
    }
    // The same predictive ranking under both weights: the AUCs agree up to ties from rounding.
    expect(Math.abs(report.models[0].rocAuc - report.models[1].rocAuc)).toBeLessThan(0.1);
  }, 60_000);
});
