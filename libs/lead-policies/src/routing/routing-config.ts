import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  LocatedChecker,
  describeValue as describe,
  formatProblem,
  normaliseKey,
  parseLocatedYaml,
  type LocatedProblem,
  type Plain,
  type YamlPath as Path,
} from '@lead/scoring';

/**
 * The routing policies' configuration (config/routing.yaml). Parsed once at start; every problem is
 * reported with its line, column and field, like the scoring model.
 */
export interface RoutingConfig {
  version?: string;
  /** Normalised product line → managers, in round-robin order. */
  categories: Record<string, { managers: string[] }>;
  /** Managers for qualified leads whose product line has no category. */
  fallback?: { managers: string[] };
  segmentation: { rules: SegmentRule[]; otherwise: string };
  handOff: { enabled: boolean };
  sla: { enabled: boolean; hours: number };
  nurture: { revisitAfterDays: { nurture: number; content: number }; reactivateOnRevisit: boolean; reactivateOnHot: boolean };
  rescoring: { refreshDays: number };
  duplicates: { mode: DuplicateMode; activityType: string };
}

export type DuplicateMode = 'refuse' | 'record_activity' | 'off';
export const DUPLICATE_MODES: readonly DuplicateMode[] = ['refuse', 'record_activity', 'off'];

/** All conditions given must hold. Industries and countries are compared normalised. */
export interface SegmentRule {
  segment: string;
  annualRevenueAtLeast?: number;
  employeesAtLeast?: number;
  industryIn?: string[];
  countryIn?: string[];
}

/** Used for whatever a file leaves out, and when no file exists at all. */
export const DEFAULT_ROUTING_CONFIG: RoutingConfig = {
  categories: {},
  segmentation: { rules: [], otherwise: 'B' },
  handOff: { enabled: true },
  sla: { enabled: true, hours: 48 },
  nurture: { revisitAfterDays: { nurture: 30, content: 90 }, reactivateOnRevisit: true, reactivateOnHot: true },
  rescoring: { refreshDays: 7 },
  duplicates: { mode: 'refuse', activityType: 'contact_form' },
};

export type RoutingConfigProblem = LocatedProblem;

export class RoutingConfigError extends Error {
  constructor(readonly problems: RoutingConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'RoutingConfigError';
  }
}

export function loadRoutingConfigFile(file: string): RoutingConfig {
  return parseRoutingConfig(readFileSync(file, 'utf8'), basename(file));
}

export function parseRoutingConfig(text: string, fileName = 'routing.yaml'): RoutingConfig {
  const { doc, lines, problems } = parseLocatedYaml(text, fileName);
  if (problems.length) throw new RoutingConfigError(problems);
  const check = new Checker(doc, lines, fileName);
  const config = check.config(doc.toJS() ?? {});
  if (check.problems.length) throw new RoutingConfigError(check.problems);
  return config;
}

/** The category a product line routes to: its own, else the fallback, else none. */
export function categoryFor(productLine: string | undefined, config: RoutingConfig): { category: string; managers: string[] } | undefined {
  const key = productLine ? normaliseKey(productLine) : undefined;
  if (key && config.categories[key]?.managers.length) return { category: key, managers: config.categories[key].managers };
  if (config.fallback?.managers.length) return { category: 'fallback', managers: config.fallback.managers };
  return undefined;
}

// ---------------------------------------------------------------- validation

const OWNER = /^[\w.@:+\-/ ]{1,200}$/;

class Checker extends LocatedChecker {
  config(root: unknown): RoutingConfig {
    const d = DEFAULT_ROUTING_CONFIG;
    const top = this.map(root, []) ?? {};
    this.only(top, [], ['version', 'categories', 'fallback', 'segmentation', 'hand_off', 'sla', 'nurture', 'rescoring', 'duplicates']);
    const version = top.version === undefined ? undefined : this.string(top.version, ['version']);

    const categories: RoutingConfig['categories'] = {};
    for (const [line, value] of Object.entries(this.map(top.categories, ['categories']) ?? {})) {
      const key = normaliseKey(line);
      if (!key) this.fail(['categories', line], 'a product line needs letters or digits', true);
      else if (key in categories)
        this.fail(['categories', line], `is the same product line as an earlier one once normalised ("${key}")`, true);
      const managers = this.managers(value, ['categories', line]);
      if (key && managers) categories[key] = { managers };
    }
    const fallback = top.fallback === undefined ? undefined : this.managers(top.fallback, ['fallback']);

    const seg = this.map(top.segmentation, ['segmentation']) ?? {};
    this.only(seg, ['segmentation'], ['rules', 'otherwise']);
    const rules = (this.list(seg.rules, ['segmentation', 'rules']) ?? []).flatMap((r, i) =>
      this.segmentRule(r, ['segmentation', 'rules', i]),
    );
    const otherwise = seg.otherwise === undefined ? d.segmentation.otherwise : this.text(seg.otherwise, ['segmentation', 'otherwise']);

    const handOff = this.section(top.hand_off, 'hand_off', ['enabled']);
    const sla = this.section(top.sla, 'sla', ['enabled', 'hours']);
    const nurture = this.section(top.nurture, 'nurture', ['revisit_after_days', 'reactivate_on_revisit', 'reactivate_on_hot']);
    const revisit = this.map(nurture.revisit_after_days, ['nurture', 'revisit_after_days']) ?? {};
    this.only(revisit, ['nurture', 'revisit_after_days'], ['nurture', 'content']);
    const rescoring = this.section(top.rescoring, 'rescoring', ['refresh_days']);

    let duplicates = d.duplicates;
    if (typeof top.duplicates === 'string') {
      duplicates = { ...d.duplicates, mode: this.mode(top.duplicates, ['duplicates']) ?? d.duplicates.mode };
    } else if (top.duplicates !== undefined) {
      const dup = this.section(top.duplicates, 'duplicates', ['mode', 'activity_type']);
      duplicates = {
        mode: dup.mode === undefined ? d.duplicates.mode : (this.mode(dup.mode, ['duplicates', 'mode']) ?? d.duplicates.mode),
        activityType:
          dup.activity_type === undefined
            ? d.duplicates.activityType
            : (this.activityType(dup.activity_type, ['duplicates', 'activity_type']) ?? d.duplicates.activityType),
      };
    }

    return {
      ...(version !== undefined ? { version } : {}),
      categories,
      ...(fallback ? { fallback: { managers: fallback } } : {}),
      segmentation: { rules, otherwise: otherwise ?? d.segmentation.otherwise },
      handOff: { enabled: this.bool(handOff.enabled, ['hand_off', 'enabled']) ?? d.handOff.enabled },
      sla: {
        enabled: this.bool(sla.enabled, ['sla', 'enabled']) ?? d.sla.enabled,
        hours: this.number(sla.hours, ['sla', 'hours'], { positive: true }) ?? d.sla.hours,
      },
      nurture: {
        revisitAfterDays: {
          nurture:
            this.number(revisit.nurture, ['nurture', 'revisit_after_days', 'nurture'], { positive: true }) ??
            d.nurture.revisitAfterDays.nurture,
          content:
            this.number(revisit.content, ['nurture', 'revisit_after_days', 'content'], { positive: true }) ??
            d.nurture.revisitAfterDays.content,
        },
        reactivateOnRevisit:
          this.bool(nurture.reactivate_on_revisit, ['nurture', 'reactivate_on_revisit']) ?? d.nurture.reactivateOnRevisit,
        reactivateOnHot: this.bool(nurture.reactivate_on_hot, ['nurture', 'reactivate_on_hot']) ?? d.nurture.reactivateOnHot,
      },
      rescoring: { refreshDays: this.number(rescoring.refresh_days, ['rescoring', 'refresh_days'], { min: 0 }) ?? d.rescoring.refreshDays },
      duplicates,
    };
  }

  private section(value: unknown, name: string, keys: string[]): Plain {
    const m = this.map(value, [name]) ?? {};
    this.only(m, [name], keys);
    return m;
  }

  private managers(value: unknown, path: Path): string[] | undefined {
    const m = this.map(value, path);
    if (!m) return value === undefined ? void this.fail(path, 'is required: { managers: [...] }') : undefined;
    this.only(m, path, ['managers']);
    const list = this.list(m.managers, [...path, 'managers']);
    if (!list) return m.managers === undefined ? void this.fail([...path, 'managers'], 'is required (a list of owner names)') : undefined;
    if (list.length === 0) return void this.fail([...path, 'managers'], 'must name at least one manager');
    const names = list.flatMap((v, i) => {
      const s = this.text(v, [...path, 'managers', i]);
      if (s !== undefined && !OWNER.test(s))
        return this.fail([...path, 'managers', i], `"${s}" is not an owner name (letters, digits, . @ : + - / _ and spaces)`) ?? [];
      return s === undefined ? [] : [s];
    });
    return names.length === list.length ? names : undefined;
  }

  private segmentRule(value: unknown, path: Path): SegmentRule[] {
    const m = this.map(value, path);
    if (!m) return [];
    this.only(m, path, ['segment', 'annual_revenue_at_least', 'employees_at_least', 'industry_in', 'country_in']);
    const segment =
      m.segment === undefined ? this.fail(path, 'segment is required (e.g. segment: A)') : this.text(m.segment, [...path, 'segment']);
    const strings = (key: string, normalise: (s: string) => string) => {
      if (m[key] === undefined) return undefined;
      const list = this.list(m[key], [...path, key]);
      return list?.flatMap((v, i) => {
        const s = this.text(v, [...path, key, i]);
        return s === undefined ? [] : [normalise(s)];
      });
    };
    const rule: SegmentRule = {
      segment: segment ?? '',
      ...(m.annual_revenue_at_least !== undefined
        ? { annualRevenueAtLeast: this.number(m.annual_revenue_at_least, [...path, 'annual_revenue_at_least'], { min: 0 }) }
        : {}),
      ...(m.employees_at_least !== undefined
        ? { employeesAtLeast: this.number(m.employees_at_least, [...path, 'employees_at_least'], { min: 0 }) }
        : {}),
      ...(m.industry_in !== undefined ? { industryIn: strings('industry_in', normaliseKey) } : {}),
      ...(m.country_in !== undefined ? { countryIn: strings('country_in', (s) => s.toUpperCase()) } : {}),
    };
    if (Object.keys(rule).length === 1)
      this.fail(path, 'a rule needs at least one condition: annual_revenue_at_least, employees_at_least, industry_in or country_in');
    return segment === undefined ? [] : [rule];
  }

  private mode(value: unknown, path: Path): DuplicateMode | undefined {
    if (typeof value === 'string' && (DUPLICATE_MODES as readonly string[]).includes(value)) return value as DuplicateMode;
    return this.fail(path, `must be one of ${DUPLICATE_MODES.join(', ')}, got ${describe(value)}`);
  }

  private activityType(value: unknown, path: Path): string | undefined {
    const s = this.text(value, path);
    if (s !== undefined && !/^[a-z][a-z0-9_]*$/.test(s)) return this.fail(path, `"${s}" is not an activity type (snake_case)`);
    return s;
  }

  // -------------------------------------------------------------- primitives

  private bool(value: unknown, path: Path): boolean | undefined {
    if (value === undefined) return undefined;
    return typeof value === 'boolean' ? value : this.fail(path, `expected true or false, got ${describe(value)}`);
  }

  private text(value: unknown, path: Path): string | undefined {
    if (typeof value === 'number') value = String(value);
    const s = this.string(value, path);
    if (s !== undefined && !s.trim()) return this.fail(path, 'must not be empty');
    return s?.trim();
  }

  /** An empty section (`sla:` with nothing under it) means "the defaults", not an error. */
  protected override map(value: unknown, path: Path): Plain | undefined {
    return value === null ? undefined : super.map(value, path);
  }
}
