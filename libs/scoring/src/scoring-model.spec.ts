import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_ACTIVITY_TYPES } from '@lead/domain';
import { loadScoringModelFile, parseScoringModel, ScoringModelError, type ScoringModelProblem } from './scoring-model';

const DEFAULT_MODEL_FILE = resolve(__dirname, '..', 'models', 'default.yaml');

/** The problems a text is refused with, as "line:column path: message". */
function problemsOf(text: string, fileName = 'scoring.yaml'): string[] {
  try {
    parseScoringModel(text, fileName);
  } catch (e) {
    expect(e).toBeInstanceOf(ScoringModelError);
    return (e as ScoringModelError).problems.map((p: ScoringModelProblem) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
  }
  throw new Error('expected the model to be refused');
}

const minimal = `version: "t1"
thresholds: { hot: 100, warm: 50 }
`;

describe('the shipped default model', () => {
  const model = loadScoringModelFile(DEFAULT_MODEL_FILE);

  it('loads with version 2026.1', () => expect(model.version).toBe('2026.1'));

  it('gives points to every default activity type, with the thermometer values of the articles', () => {
    expect(Object.keys(model.engagement).sort()).toEqual([...DEFAULT_ACTIVITY_TYPES].sort());
    expect(model.engagement.whitepaper_download.points).toBe(10);
    expect(model.engagement.contact_form.points).toBe(20);
    expect(model.engagement.call_booked.points).toBe(50);
    expect(model.engagement.unsubscribed.points).toBe(-30);
  });

  it('scores a referral above an ebook', () => expect(model.fit.channel!.values.referral).toBeGreaterThan(model.fit.channel!.values.ebook));

  it('has hot above warm', () => expect(model.thresholds.hot).toBeGreaterThan(model.thresholds.warm));

  it('reads the same from JSON as from YAML', () => {
    const json = JSON.stringify(parseScoringModel(readFileSync(DEFAULT_MODEL_FILE, 'utf8')), null, 2);
    expect(parseScoringModel(json, 'default.json')).toEqual(model);
  });
});

describe('parseScoringModel', () => {
  it('accepts a minimal model: version and thresholds, every rule section optional', () => {
    expect(parseScoringModel(minimal)).toEqual({
      version: 't1',
      engagement: {},
      negative: {},
      fit: {},
      thresholds: { hot: 100, warm: 50 },
    });
  });

  it('normalises industry keys and upper-cases country codes', () => {
    const model = parseScoringModel(
      `${minimal}fit:\n  industry: { values: { "Financial Services": 10 } }\n  country: { values: { de: 5 } }\n`,
    );
    expect(model.fit.industry).toEqual({ values: { financial_services: 10 }, unknown: 0, other: 0 });
    expect(model.fit.country!.values).toEqual({ DE: 5 });
  });

  it('names file, line, column and field of a wrong value (the example from the spec)', () => {
    const text = ['version: "x"', 'thresholds: { hot: 100, warm: 50 }', 'engagement:', '  call_booked:', '    points: fifty', ''].join(
      '\n',
    );
    expect(() => parseScoringModel(text, 'scoring.yaml')).toThrow(
      'scoring.yaml:5:13 engagement.call_booked.points: expected a number, got "fifty"',
    );
  });

  it('collects every problem, not just the first', () => {
    const text = [
      'version: 2026.1', //                                      1
      'engagement:', //                                          2
      '  call_booked: { points: fifty }', //                     3
      '  contact_form: { points: 20, cap: -5 }', //              4
      '  "Page Visit": { points: 1 }', //                         5
      'decay:', //                                               6
      '  half_lif_days: 30', //                                  7
      'negative:', //                                            8
      '  free_mail: { points: 20, domains: [gmail.com, "not a domain"] }', // 9
      'fit:', //                                                 10
      '  channel: { values: { referal: 20 } }', //               11
      '  employees:', //                                         12
      '    bands:', //                                           13
      '      - { from: 0, to: 50, points: 5 }', //               14
      '      - { from: 10, to: 5, points: 10 }', //              15
      'thresholds: { hot: 40, warm: 50 }', //                    16
      '',
    ].join('\n');
    expect(problemsOf(text)).toEqual([
      '1:10 version: expected a string, got 2026.1 (quote it: "2026.1")',
      '3:26 engagement.call_booked.points: expected a number, got "fifty"',
      '4:36 engagement.contact_form.cap: must be at least 0, got -5',
      '5:3 engagement.Page Visit: activity type "Page Visit" must be snake_case (a-z, 0-9, _)',
      '7:3 decay.half_lif_days: unknown field (expected one of: half_life_days)',
      '7:3 decay.half_life_days: is required (a number)',
      '9:24 negative.free_mail.points: must be at most 0 (a negative rule takes points away), got 20',
      '9:49 negative.free_mail.domains.1: "not a domain" is not a domain name such as "example.com"',
      '11:24 fit.channel.values.referal: "referal" must be one of web_form, ebook, trial, price_request, event, referral, trade_show, inbound_email, phone_call, other',
      '15:25 fit.employees.bands.1.to: must be greater than from (10), got 5',
      '15:9 fit.employees.bands.1: overlaps the band before it (bands go in ascending order; this one starts at 10, the one before ends at 50)',
      '16:20 thresholds.hot: must be greater than thresholds.warm (50), got 40',
    ]);
  });

  it('reports missing required fields at the enclosing map', () => {
    expect(problemsOf('description: no version\n')).toEqual([
      '1:1 : version is required (a string such as "2026.1")',
      '1:1 : thresholds are required (thresholds: { hot: …, warm: … })',
    ]);
    expect(problemsOf(`${minimal}engagement:\n  call_booked: { cap: 100 }\n`)).toEqual([
      '4:16 engagement.call_booked.points: is required (a number)',
    ]);
  });

  it('refuses unknown top-level fields, naming the line of the key', () => {
    expect(problemsOf(`${minimal}tresholds: {}\n`)).toEqual([
      '3:1 tresholds: unknown field (expected one of: version, description, engagement, decay, negative, fit, predictive, thresholds)',
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    const problems = problemsOf('version: "1"\nengagement:\n  call_booked: { points: 50\nthresholds: { hot: 1, warm: 0 }\n');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(/^\d+:\d+ : /);
  });

  it('refuses a duplicated key', () => {
    expect(problemsOf(`${minimal}engagement:\n  call_booked: { points: 50 }\n  call_booked: { points: 60 }\n`)[0]).toMatch(
      /^5:3 : Map keys must be unique/,
    );
  });

  it('gives line and column in JSON too', () => {
    const json =
      '{\n  "version": "j1",\n  "engagement": { "call_booked": { "points": "fifty" } },\n  "thresholds": { "hot": 100, "warm": 50 }\n}\n';
    expect(() => parseScoringModel(json, 'model.json')).toThrow(
      'model.json:3:46 engagement.call_booked.points: expected a number, got "fifty"',
    );
  });

  it('names the document when no file name is given', () => {
    expect(() => parseScoringModel('version: "x"\nthresholds: { hot: "high", warm: 1 }\n')).toThrow(
      'scoring-model.yaml:2:20 thresholds.hot: expected a number, got "high"',
    );
  });
});
