import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { CHANNELS, LEAD_KINDS, ORIGINS } from '@lead/domain';
import { LocatedChecker, formatProblem, parseLocatedYaml, type LocatedProblem, type YamlPath as Path } from './located-yaml';

/**
 * A versioned scoring model: every number the score is made of, in one file that sales and
 * marketing can read and change. Each LeadScored event records the model version, so a change of
 * any number must come with a new version.
 *
 * Keys are snake_case because they are also the rule ids in the score breakdown
 * (`engagement.call_booked`, `fit.company_age`, `negative.free_mail`).
 */
export interface ScoringModel {
  version: string;
  description?: string;
  /** Points per activity type; `cap` bounds the points (absolute value) that one type can add or take away. */
  engagement: Record<string, EngagementRule>;
  /** Engagement points fade with the time since the last activity; absent means no decay. */
  decay?: { half_life_days: number };
  negative: {
    /** A lead writing from a competitor's domain (or a subdomain of it). */
    competitor?: DomainRule;
    /** A B2B lead writing from a free-mail address (B2C leads are not penalised: that is where private people write from). */
    free_mail?: DomainRule;
  };
  fit: FitRules;
  /** How the predictive score 1..100 enters: points = weight × (score − 50) / 50; `missing` when there is no prediction. */
  predictive?: { weight: number; missing: number };
  /** total ≥ hot → hot; total ≥ warm → warm; else cold. */
  thresholds: { hot: number; warm: number };
}

export interface EngagementRule {
  points: number;
  cap?: number;
}

export interface DomainRule {
  points: number;
  domains: string[];
}

/** Points by value. Keys are compared normalised (lower case, runs of other characters as "_"), except enums and country codes. */
export interface MapRule {
  values: Record<string, number>;
  /** The value is not known. */
  unknown: number;
  /** The value is known but not listed. */
  other: number;
}

/** A band holds values with from ≤ value < to; either end may be open. */
export interface Band {
  from?: number;
  to?: number;
  points: number;
}

export interface BandRule {
  bands: Band[];
  /** The value is not known. Values in no band (a gap) score 0. */
  unknown: number;
}

export interface FitRules {
  kind?: MapRule;
  industry?: MapRule;
  /** Number of employees. */
  employees?: BandRule;
  /** Annual revenue, in the currency the model is written for. */
  annual_revenue?: BandRule;
  /** Years since the company was founded (scoring year − foundedYear). */
  company_age?: BandRule;
  /** ISO 3166-1 alpha-2 codes. */
  country?: MapRule;
  /** What the lead did to reach us: a referral scores above an ebook. */
  channel?: MapRule;
  /** Where the traffic came from. */
  origin?: MapRule;
}

export const FIT_RULES = ['kind', 'industry', 'employees', 'annual_revenue', 'company_age', 'country', 'channel', 'origin'] as const;
export type FitRuleName = (typeof FIT_RULES)[number];

export type ScoringModelProblem = LocatedProblem;

/** Every problem of a model file, each naming its line, column and field. */
export class ScoringModelError extends Error {
  constructor(readonly problems: ScoringModelProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ScoringModelError';
  }
}

/** Normalised form of a free-text key: "Financial Services" and "financial-services" are the same industry. */
export const normaliseKey = (key: string): string =>
  key
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '_')
    .replace(/^_|_$/g, '');

/**
 * Parses and validates a scoring model from YAML (or JSON, which is YAML too). Collects every
 * problem before failing, each with line:column and the field path.
 */
export function parseScoringModel(text: string, fileName = 'scoring-model.yaml'): ScoringModel {
  const { doc, lines, problems } = parseLocatedYaml(text, fileName);
  if (problems.length) throw new ScoringModelError(problems);
  const check = new Checker(doc, lines, fileName);
  const model = check.model(doc.toJS({ maxAliasCount: 100 }));
  if (check.problems.length) throw new ScoringModelError(check.problems);
  return model!;
}

/** Reads a model file (.yaml, .yml or .json). */
export function loadScoringModelFile(file: string): ScoringModel {
  return parseScoringModel(readFileSync(file, 'utf8'), basename(file));
}

// ---------------------------------------------------------------- validation

const ACTIVITY_TYPE = /^[a-z][a-z0-9_]*$/;
const DOMAIN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;

class Checker extends LocatedChecker {
  model(root: unknown): ScoringModel | undefined {
    const top = this.map(root, []);
    if (!top) return undefined;
    this.only(top, [], ['version', 'description', 'engagement', 'decay', 'negative', 'fit', 'predictive', 'thresholds']);
    const version = this.version(top.version);
    const description = top.description === undefined ? undefined : this.string(top.description, ['description']);
    const engagement = this.engagement(top.engagement);
    const decay = top.decay === undefined ? undefined : this.decay(top.decay);
    const negative = this.negative(top.negative);
    const fit = this.fit(top.fit);
    const predictive = top.predictive === undefined ? undefined : this.predictive(top.predictive);
    const thresholds = this.thresholds(top.thresholds);
    return {
      version: version ?? '',
      ...(description !== undefined ? { description } : {}),
      engagement,
      ...(decay ? { decay } : {}),
      negative,
      fit,
      ...(predictive ? { predictive } : {}),
      thresholds: thresholds ?? { hot: 0, warm: 0 },
    };
  }

  private version(value: unknown): string | undefined {
    if (value === undefined) return void this.fail([], 'version is required (a string such as "2026.1")');
    if (typeof value === 'number') return void this.fail(['version'], `expected a string, got ${value} (quote it: "${value}")`);
    const v = this.string(value, ['version']);
    if (v !== undefined && !v.trim()) return void this.fail(['version'], 'must not be empty');
    return v;
  }

  private engagement(value: unknown): Record<string, EngagementRule> {
    const result: Record<string, EngagementRule> = {};
    if (value === undefined) return result;
    const m = this.map(value, ['engagement']);
    if (!m) return result;
    for (const [type, rule] of Object.entries(m)) {
      const path = ['engagement', type];
      if (!ACTIVITY_TYPE.test(type)) this.fail(path, `activity type "${type}" must be snake_case (a-z, 0-9, _)`, true);
      const r = this.map(rule, path);
      if (!r) continue;
      this.only(r, path, ['points', 'cap']);
      const points = this.number(r.points, [...path, 'points'], { required: true });
      const cap = r.cap === undefined ? undefined : this.number(r.cap, [...path, 'cap'], { min: 0 });
      if (points !== undefined) result[type] = { points, ...(cap !== undefined ? { cap } : {}) };
    }
    return result;
  }

  private decay(value: unknown): ScoringModel['decay'] {
    const m = this.map(value, ['decay']);
    if (!m) return undefined;
    this.only(m, ['decay'], ['half_life_days']);
    const days = this.number(m.half_life_days, ['decay', 'half_life_days'], { required: true, positive: true });
    return days === undefined ? undefined : { half_life_days: days };
  }

  private negative(value: unknown): ScoringModel['negative'] {
    const result: ScoringModel['negative'] = {};
    if (value === undefined) return result;
    const m = this.map(value, ['negative']);
    if (!m) return result;
    this.only(m, ['negative'], ['competitor', 'free_mail']);
    for (const name of ['competitor', 'free_mail'] as const) {
      if (m[name] === undefined) continue;
      const path = ['negative', name];
      const r = this.map(m[name], path);
      if (!r) continue;
      this.only(r, path, ['points', 'domains']);
      const points = this.number(r.points, [...path, 'points'], { required: true, max: 0, maxHint: 'a negative rule takes points away' });
      const domains = this.list(r.domains, [...path, 'domains'], true)?.flatMap((d, i) => {
        const s = this.string(d, [...path, 'domains', i]);
        if (s === undefined) return [];
        const domain = s.trim().toLowerCase();
        if (!DOMAIN.test(domain)) return this.fail([...path, 'domains', i], `"${s}" is not a domain name such as "example.com"`) ?? [];
        return [domain];
      });
      if (points !== undefined && domains) result[name] = { points, domains };
    }
    return result;
  }

  private fit(value: unknown): FitRules {
    const result: FitRules = {};
    if (value === undefined) return result;
    const m = this.map(value, ['fit']);
    if (!m) return result;
    this.only(m, ['fit'], FIT_RULES);
    const enumKeys = (allowed: readonly string[]) => (k: string) =>
      allowed.includes(k) ? undefined : `must be one of ${allowed.join(', ')}`;
    const maps: [FitRuleName, (k: string) => string | undefined, (k: string) => string][] = [
      ['kind', enumKeys(LEAD_KINDS), (k) => k],
      ['industry', () => undefined, normaliseKey],
      ['country', (k) => (/^[A-Za-z]{2}$/.test(k) ? undefined : 'must be an ISO 3166-1 alpha-2 code such as "DE"'), (k) => k.toUpperCase()],
      ['channel', enumKeys(CHANNELS), (k) => k],
      ['origin', enumKeys(ORIGINS), (k) => k],
    ];
    for (const [name, keyProblem, normalise] of maps) {
      if (m[name] !== undefined) {
        const rule = this.mapRule(m[name], ['fit', name], keyProblem, normalise);
        if (rule) (result as Record<string, MapRule>)[name] = rule;
      }
    }
    for (const name of ['employees', 'annual_revenue', 'company_age'] as const) {
      if (m[name] !== undefined) {
        const rule = this.bandRule(m[name], ['fit', name]);
        if (rule) result[name] = rule;
      }
    }
    return result;
  }

  private mapRule(
    value: unknown,
    path: Path,
    keyProblem: (key: string) => string | undefined,
    normalise: (key: string) => string,
  ): MapRule | undefined {
    const m = this.map(value, path);
    if (!m) return undefined;
    this.only(m, path, ['values', 'unknown', 'other']);
    const unknown = m.unknown === undefined ? 0 : this.number(m.unknown, [...path, 'unknown']);
    const other = m.other === undefined ? 0 : this.number(m.other, [...path, 'other']);
    const values: Record<string, number> = {};
    const raw = this.map(m.values, [...path, 'values'], true);
    for (const [key, points] of Object.entries(raw ?? {})) {
      const keyPath = [...path, 'values', key];
      const problem = keyProblem(key);
      if (problem) this.fail(keyPath, `"${key}" ${problem}`, true);
      const n = this.number(points, keyPath);
      const k = normalise(key);
      if (k in values) this.fail(keyPath, `"${key}" is the same key as an earlier one once normalised ("${k}")`, true);
      if (n !== undefined && !problem) values[k] = n;
    }
    return raw && unknown !== undefined && other !== undefined ? { values, unknown, other } : undefined;
  }

  private bandRule(value: unknown, path: Path): BandRule | undefined {
    const m = this.map(value, path);
    if (!m) return undefined;
    this.only(m, path, ['bands', 'unknown']);
    const unknown = m.unknown === undefined ? 0 : this.number(m.unknown, [...path, 'unknown']);
    const list = this.list(m.bands, [...path, 'bands'], true);
    if (!list) return undefined;
    const bands: Band[] = [];
    list.forEach((item, i) => {
      const p = [...path, 'bands', i];
      const b = this.map(item, p);
      if (!b) return;
      this.only(b, p, ['from', 'to', 'points']);
      const from = b.from === undefined ? undefined : this.number(b.from, [...p, 'from']);
      const to = b.to === undefined ? undefined : this.number(b.to, [...p, 'to']);
      const points = this.number(b.points, [...p, 'points'], { required: true });
      if (b.from === undefined && b.to === undefined) this.fail(p, 'a band needs "from", "to" or both');
      if (from !== undefined && to !== undefined && !(from < to)) this.fail([...p, 'to'], `must be greater than from (${from}), got ${to}`);
      const previous = bands[bands.length - 1];
      if (previous && i > 0) {
        const prevEnd = previous.to ?? Infinity;
        const start = from ?? -Infinity;
        if (start < prevEnd)
          this.fail(
            p,
            `overlaps the band before it (bands go in ascending order; this one starts at ${from ?? '−∞'}, the one before ends at ${previous.to ?? '∞'})`,
          );
      }
      if (points !== undefined) bands.push({ ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), points });
    });
    return unknown === undefined ? undefined : { bands, unknown };
  }

  private predictive(value: unknown): ScoringModel['predictive'] {
    const m = this.map(value, ['predictive']);
    if (!m) return undefined;
    this.only(m, ['predictive'], ['weight', 'missing']);
    const weight = this.number(m.weight, ['predictive', 'weight'], { required: true, min: 0 });
    const missing = m.missing === undefined ? 0 : this.number(m.missing, ['predictive', 'missing']);
    return weight === undefined || missing === undefined ? undefined : { weight, missing };
  }

  private thresholds(value: unknown): ScoringModel['thresholds'] | undefined {
    if (value === undefined) return void this.fail([], 'thresholds are required (thresholds: { hot: …, warm: … })');
    const m = this.map(value, ['thresholds']);
    if (!m) return undefined;
    this.only(m, ['thresholds'], ['hot', 'warm']);
    const hot = this.number(m.hot, ['thresholds', 'hot'], { required: true });
    const warm = this.number(m.warm, ['thresholds', 'warm'], { required: true });
    if (hot !== undefined && warm !== undefined && !(hot > warm))
      this.fail(['thresholds', 'hot'], `must be greater than thresholds.warm (${warm}), got ${hot}`);
    return hot === undefined || warm === undefined ? undefined : { hot, warm };
  }
}
