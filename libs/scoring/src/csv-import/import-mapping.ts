import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { DISQUALIFICATION_REASONS, LEAD_KINDS } from '@lead/domain';
import { LocatedChecker, formatProblem, parseLocatedYaml, type LocatedProblem, type Plain, type YamlPath } from '../located-yaml';

/**
 * How the rows of a CSV file become leads: which columns hold the contact, company, source and
 * properties, which activities a row stands for, when each stage happened and how it ended. One
 * file per data set; the engine ships mappings for X Education and the UCI bank marketing set.
 */
export interface ImportMapping {
  name: string;
  description?: string;
  csv: { delimiter: string };
  /**
   * Column whose value identifies the lead: lead and command ids derive from it, so a re-run appends
   * nothing twice. `#line` (the row's line in the file) for a data set without one; it also works in templates.
   */
  key: string;
  /** Cell values that mean "no value" (compared after trimming; case-insensitive). */
  missing: string[];
  /** Activity types the rows record beyond the engine's defaults. */
  activityTypes: string[];
  lead: {
    kind: FieldSpec;
    contact: { name: FieldSpec; email?: FieldSpec; phone?: FieldSpec };
    company?: { name: FieldSpec; industry?: FieldSpec; country?: FieldSpec; employees?: FieldSpec; annualRevenue?: FieldSpec };
    source: { channel: FieldSpec; origin?: FieldSpec; campaign?: FieldSpec; referrer?: FieldSpec };
    need?: FieldSpec;
  };
  /** Lead properties (attributes), name → value. */
  attributes: Record<string, FieldSpec>;
  activities: ActivitySpec[];
  times: { captured: TimeSpec; handedToSales?: TimeSpec; outcome?: TimeSpec };
  outcome?: OutcomeSpec;
}

/**
 * A value read from a row: a column, a template over columns ("lead-{Lead Number}@example.invalid")
 * or a constant; then optionally translated (`values`, a null target meaning "no value"),
 * converted (`type`) or binned (`bins`: upper bounds, inclusive, the last bin open).
 */
export interface FieldSpec {
  /** The first of these specs that gives the row a value. */
  firstOf?: FieldSpec[];
  column?: string;
  template?: string;
  value?: string | number | boolean;
  values?: Record<string, string | number | boolean | null>;
  /** With `values`: for a value not listed (absent: the row is refused); without: for an empty cell. */
  default?: string | number | boolean | null;
  type?: 'string' | 'number' | 'boolean';
  bins?: number[];
}

export interface ActivitySpec {
  type: FieldSpec;
  /** How many times the row records it (a number column, e.g. visits); default once. */
  repeat?: FieldSpec;
}

/**
 * When a stage happened (business time): a date column, a constant, an offset from the capture,
 * or `month`: the row's month column, the year advancing whenever the month goes back (rows in
 * date order), the rows of one month spread evenly through it.
 */
export type TimeSpec =
  { column: string } | { value: string } | { afterCaptured: { days: number } } | { month: { column: string; firstYear: number } };

export interface OutcomeSpec {
  field: FieldSpec;
  won: string[];
  lost: string[];
  /** Value → disqualification reason. */
  disqualified: Record<string, (typeof DISQUALIFICATION_REASONS)[number]>;
  /** The reason recorded with a lost sale or the note of a disqualification. */
  reason?: FieldSpec;
  /** Hand won and lost leads to sales before the outcome (the data set says sales worked every lead). */
  handToSales?: { reason: string };
}

export class ImportMappingError extends Error {
  constructor(readonly problems: LocatedProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ImportMappingError';
  }
}

export function parseImportMapping(text: string, fileName = 'mapping.yaml'): ImportMapping {
  const { doc, lines, problems } = parseLocatedYaml(text, fileName);
  if (problems.length) throw new ImportMappingError(problems);
  const check = new MappingChecker(doc, lines, fileName);
  const mapping = check.mapping(doc.toJS({ maxAliasCount: 100 }));
  if (check.problems.length) throw new ImportMappingError(check.problems);
  return mapping!;
}

export function loadImportMappingFile(file: string): ImportMapping {
  return parseImportMapping(readFileSync(file, 'utf8'), basename(file));
}

/** Every column a mapping reads, with the path of the field that reads it (to report a column the file lacks). */
export function columnsOf(mapping: ImportMapping): { column: string; path: YamlPath }[] {
  const found: { column: string; path: YamlPath }[] = [{ column: mapping.key, path: ['key'] }];
  const field = (spec: FieldSpec | undefined, path: YamlPath) => {
    if (!spec) return;
    if (spec.column) found.push({ column: spec.column, path: [...path, 'column'] });
    spec.firstOf?.forEach((f, i) => field(f, [...path, 'first_of', i]));
    for (const m of (spec.template ?? '').matchAll(/\{([^}]+)\}/g)) found.push({ column: m[1], path: [...path, 'template'] });
  };
  const { lead } = mapping;
  field(lead.kind, ['lead', 'kind']);
  for (const [k, v] of Object.entries(lead.contact)) field(v, ['lead', 'contact', k]);
  for (const [k, v] of Object.entries(lead.company ?? {})) field(v, ['lead', 'company', k]);
  for (const [k, v] of Object.entries(lead.source)) field(v, ['lead', 'source', k]);
  field(lead.need, ['lead', 'need']);
  for (const [k, v] of Object.entries(mapping.attributes)) field(v, ['attributes', k]);
  mapping.activities.forEach((a, i) => {
    field(a.type, ['activities', i, 'type']);
    field(a.repeat, ['activities', i, 'repeat']);
  });
  for (const [k, t] of Object.entries(mapping.times)) {
    if (t && 'column' in t) found.push({ column: t.column, path: ['times', k, 'column'] });
    if (t && 'month' in t) found.push({ column: t.month.column, path: ['times', k, 'month', 'column'] });
  }
  field(mapping.outcome?.field, ['outcome']);
  field(mapping.outcome?.reason, ['outcome', 'reason']);
  return found;
}

/** Problems of a mapping against a file's header: each column it reads that the file lacks, located in the mapping. */
export function checkColumns(mapping: ImportMapping, text: string, fileName: string, header: readonly string[]): LocatedProblem[] {
  const { doc, lines } = parseLocatedYaml(text, fileName);
  const check = new MappingChecker(doc, lines, fileName);
  const have = new Set([...header, '#line']);
  for (const { column, path } of columnsOf(mapping)) if (!have.has(column)) check.missingColumn(path, `the file has no column "${column}"`);
  return check.problems;
}

const ACTIVITY_TYPE = /^[a-z][a-z0-9_]*$/;
const scalar = (v: unknown): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v);

class MappingChecker extends LocatedChecker {
  missingColumn(path: YamlPath, message: string): void {
    this.fail(path, message);
  }

  mapping(root: unknown): ImportMapping | undefined {
    const top = this.map(root, [], true);
    if (!top) return undefined;
    this.only(
      top,
      [],
      ['name', 'description', 'csv', 'key', 'missing', 'activity_types', 'lead', 'attributes', 'activities', 'times', 'outcome'],
    );
    const name = this.requiredString(top.name, ['name']);
    if (name !== undefined && !/^[a-z0-9][a-z0-9_.-]*$/.test(name))
      this.fail(['name'], 'must be lower case letters, digits, "-", "_" or "." (it is part of every id)');
    const csv = this.map(top.csv, ['csv']) ?? {};
    this.only(csv, ['csv'], ['delimiter']);
    const delimiter = csv.delimiter === undefined ? ',' : this.string(csv.delimiter, ['csv', 'delimiter']);
    if (delimiter !== undefined && delimiter.length !== 1) this.fail(['csv', 'delimiter'], 'must be one character');
    const key = this.requiredString(top.key, ['key']);
    const missing = (this.list(top.missing, ['missing']) ?? ['']).map((v, i) => this.string(v, ['missing', i]) ?? '');
    const activityTypes = (this.list(top.activity_types, ['activity_types']) ?? []).map((v, i) => {
      const t = this.string(v, ['activity_types', i]);
      if (t !== undefined && !ACTIVITY_TYPE.test(t)) this.fail(['activity_types', i], 'must be snake_case, e.g. "email_opened"');
      return t ?? '';
    });

    const lead = this.map(top.lead, ['lead'], true) ?? {};
    this.only(lead, ['lead'], ['kind', 'contact', 'company', 'source', 'need']);
    const contact = this.map(lead.contact, ['lead', 'contact'], true) ?? {};
    this.only(contact, ['lead', 'contact'], ['name', 'email', 'phone']);
    const source = this.map(lead.source, ['lead', 'source'], true) ?? {};
    this.only(source, ['lead', 'source'], ['channel', 'origin', 'campaign', 'referrer']);
    const company = this.map(lead.company, ['lead', 'company']);
    if (company) this.only(company, ['lead', 'company'], ['name', 'industry', 'country', 'employees', 'annual_revenue']);
    const kind = this.field(lead.kind, ['lead', 'kind'], true);
    if (kind?.value !== undefined && !LEAD_KINDS.includes(kind.value as never))
      this.fail(['lead', 'kind'], `must be one of ${LEAD_KINDS.join(', ')}`);

    const attributes = this.map(top.attributes, ['attributes']) ?? {};
    const activities = (this.list(top.activities, ['activities']) ?? []).map((a, i) => {
      const m = this.map(a, ['activities', i]) ?? {};
      this.only(m, ['activities', i], ['type', 'repeat']);
      return { type: this.field(m.type, ['activities', i, 'type'], true)!, repeat: this.field(m.repeat, ['activities', i, 'repeat']) };
    });
    const times = this.map(top.times, ['times'], true) ?? {};
    this.only(times, ['times'], ['captured', 'handed_to_sales', 'outcome']);

    const mapping: ImportMapping = {
      name: name ?? '',
      ...(typeof top.description === 'string' ? { description: top.description } : {}),
      csv: { delimiter: delimiter ?? ',' },
      key: key ?? '',
      missing,
      activityTypes,
      lead: {
        kind: kind ?? {},
        contact: {
          name: this.field(contact.name, ['lead', 'contact', 'name'], true) ?? {},
          ...this.optional('email', contact.email, ['lead', 'contact', 'email']),
          ...this.optional('phone', contact.phone, ['lead', 'contact', 'phone']),
        },
        ...(company
          ? {
              company: {
                name: this.field(company.name, ['lead', 'company', 'name'], true) ?? {},
                ...this.optional('industry', company.industry, ['lead', 'company', 'industry']),
                ...this.optional('country', company.country, ['lead', 'company', 'country']),
                ...this.optional('employees', company.employees, ['lead', 'company', 'employees']),
                ...this.optional('annualRevenue', company.annual_revenue, ['lead', 'company', 'annual_revenue']),
              },
            }
          : {}),
        source: {
          channel: this.field(source.channel, ['lead', 'source', 'channel'], true) ?? {},
          ...this.optional('origin', source.origin, ['lead', 'source', 'origin']),
          ...this.optional('campaign', source.campaign, ['lead', 'source', 'campaign']),
          ...this.optional('referrer', source.referrer, ['lead', 'source', 'referrer']),
        },
        ...this.optional('need', lead.need, ['lead', 'need']),
      },
      attributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, this.field(v, ['attributes', k], true) ?? {}])),
      activities,
      times: {
        captured: this.time(times.captured, ['times', 'captured'], true) ?? { value: '' },
        ...(times.handed_to_sales !== undefined ? { handedToSales: this.time(times.handed_to_sales, ['times', 'handed_to_sales']) } : {}),
        ...(times.outcome !== undefined ? { outcome: this.time(times.outcome, ['times', 'outcome']) } : {}),
      },
      ...(top.outcome !== undefined ? { outcome: this.outcome(top.outcome) } : {}),
    };
    return mapping;
  }

  private requiredString(value: unknown, path: YamlPath): string | undefined {
    if (value === undefined) return this.fail(path, 'is required (a string)');
    return this.string(value, path);
  }

  private optional<K extends string>(key: K, value: unknown, path: YamlPath): Partial<Record<K, FieldSpec>> {
    const spec = value === undefined ? undefined : this.field(value, path);
    return spec ? ({ [key]: spec } as Record<K, FieldSpec>) : {};
  }

  /** A field: a template string (a constant when it names no column), or a map. */
  private field(value: unknown, path: YamlPath, required = false): FieldSpec | undefined {
    if (value === undefined) return required ? this.fail(path, 'is required (a column, a template or a value)') : undefined;
    if (typeof value === 'string') return /\{[^}]+\}/.test(value) ? { template: value } : { value };
    if (typeof value === 'number' || typeof value === 'boolean') return { value };
    const m = this.map(value, path);
    if (!m) return undefined;
    this.only(m, path, ['first_of', 'column', 'template', 'value', 'values', 'default', 'type', 'bins']);
    const sources = ['first_of', 'column', 'template', 'value'].filter((k) => m[k] !== undefined);
    if (sources.length !== 1) return this.fail(path, 'needs exactly one of first_of, column, template or value');
    const spec: FieldSpec = {};
    if (m.first_of !== undefined)
      spec.firstOf = (this.list(m.first_of, [...path, 'first_of']) ?? []).map(
        (f, i) => this.field(f, [...path, 'first_of', i], true) ?? {},
      );
    if (m.column !== undefined) spec.column = this.string(m.column, [...path, 'column']);
    if (m.template !== undefined) spec.template = this.string(m.template, [...path, 'template']);
    if (m.value !== undefined)
      spec.value = scalar(m.value) ? m.value : this.fail([...path, 'value'], 'expected a string, number or boolean');
    if (m.values !== undefined) {
      const values = this.map(m.values, [...path, 'values']) ?? {};
      for (const [k, v] of Object.entries(values))
        if (v !== null && !scalar(v)) this.fail([...path, 'values', k], 'expected a string, number, boolean or null');
      spec.values = values as FieldSpec['values'];
    }
    if (m.default !== undefined) {
      if (m.default !== null && !scalar(m.default)) this.fail([...path, 'default'], 'expected a string, number, boolean or null');
      spec.default = m.default as FieldSpec['default'];
    }
    if (m.type !== undefined) {
      if (!['string', 'number', 'boolean'].includes(m.type as string)) this.fail([...path, 'type'], 'must be string, number or boolean');
      spec.type = m.type as FieldSpec['type'];
    }
    if (m.bins !== undefined) {
      const bins = (this.list(m.bins, [...path, 'bins']) ?? []).map(
        (b, i) => this.number(b, [...path, 'bins', i], { required: true }) ?? 0,
      );
      if (bins.some((b, i) => i > 0 && b <= bins[i - 1])) this.fail([...path, 'bins'], 'must be increasing');
      spec.bins = bins;
    }
    return spec;
  }

  private time(value: unknown, path: YamlPath, required = false): TimeSpec | undefined {
    const m = this.map(value, path, required);
    if (!m) return undefined;
    this.only(m, path, ['column', 'value', 'after_captured', 'month']);
    if (Object.keys(m).length !== 1) return this.fail(path, 'needs exactly one of column, value, after_captured or month');
    if (m.column !== undefined) {
      const column = this.string(m.column, [...path, 'column']);
      return column === undefined ? undefined : { column };
    }
    if (m.value !== undefined) {
      const v = this.string(m.value, [...path, 'value']);
      if (v !== undefined && Number.isNaN(Date.parse(v))) return this.fail([...path, 'value'], `"${v}" is not a date (ISO 8601)`);
      return v === undefined ? undefined : { value: new Date(v).toISOString() };
    }
    if (m.after_captured !== undefined) {
      const a = this.map(m.after_captured, [...path, 'after_captured']) ?? {};
      this.only(a, [...path, 'after_captured'], ['days']);
      const days = this.number(a.days, [...path, 'after_captured', 'days'], { required: true, min: 0 });
      return days === undefined ? undefined : { afterCaptured: { days } };
    }
    const month = this.map(m.month, [...path, 'month']) ?? {};
    this.only(month, [...path, 'month'], ['column', 'first_year']);
    const column = this.requiredString(month.column, [...path, 'month', 'column']);
    const firstYear = this.number(month.first_year, [...path, 'month', 'first_year'], { required: true, min: 1900, max: 2200 });
    return column === undefined || firstYear === undefined ? undefined : { month: { column, firstYear } };
  }

  private outcome(value: unknown): OutcomeSpec | undefined {
    const path = ['outcome'];
    const m = this.map(value, path);
    if (!m) return undefined;
    this.only(m, path, ['column', 'template', 'value', 'values', 'default', 'won', 'lost', 'disqualified', 'reason', 'hand_to_sales']);
    const { won: w, lost: l, disqualified: d, reason: r, hand_to_sales: h, ...fieldPart } = m as Plain;
    const field = this.field(fieldPart, path, true);
    const strings = (v: unknown, p: YamlPath) =>
      (this.list(v, p) ?? []).map((x, i) => (scalar(x) ? String(x) : (this.fail([...p, i], 'expected a value') ?? '')));
    const disqualified = this.map(d, ['outcome', 'disqualified']) ?? {};
    for (const [k, reason] of Object.entries(disqualified))
      if (!DISQUALIFICATION_REASONS.includes(reason as never))
        this.fail(['outcome', 'disqualified', k], `must be one of ${DISQUALIFICATION_REASONS.join(', ')}`);
    let handToSales: OutcomeSpec['handToSales'];
    if (h !== undefined) {
      const hm = this.map(h, ['outcome', 'hand_to_sales']) ?? {};
      this.only(hm, ['outcome', 'hand_to_sales'], ['reason']);
      const reason = this.requiredString(hm.reason, ['outcome', 'hand_to_sales', 'reason']);
      if (reason) handToSales = { reason };
    }
    return {
      field: field ?? {},
      won: strings(w, ['outcome', 'won']),
      lost: strings(l, ['outcome', 'lost']),
      disqualified: disqualified as OutcomeSpec['disqualified'],
      ...(r !== undefined ? { reason: this.field(r, ['outcome', 'reason']) } : {}),
      ...(handToSales ? { handToSales } : {}),
    };
  }
}

/** The mappings shipped with the engine (x-education.yaml, uci-bank-marketing.yaml). */
export const SHIPPED_MAPPINGS_DIR = resolve(__dirname, '..', '..', 'mappings');
