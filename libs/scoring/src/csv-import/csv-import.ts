import { parse } from 'csv-parse/sync';
import {
  CHANNELS,
  ORIGINS,
  type CaptureLead,
  type Channel,
  type CommandContext,
  type Company,
  type LeadAttributes,
  type LeadCommand,
  type LeadKind,
  type Origin,
} from '@lead/domain';
import { binLabel } from '../predictive/lead-features';
import type { FieldSpec, ImportMapping, TimeSpec } from './import-mapping';

/** A row the import did not take, and why; `column` is empty when the reason is not one cell's. */
export interface RefusedRow {
  /** Line of the row in the file (the header is line 1). */
  row: number;
  column: string;
  message: string;
}

/** The commands one row becomes, in order, all on one lead. */
export interface MappedRow {
  row: number;
  key: string;
  leadId: string;
  commands: LeadCommand[];
  /** Command data path → the column it came from, to name the column when the engine refuses a value. */
  columns: Record<string, string>;
}

export interface CsvTable {
  header: string[];
  rows: { line: number; cells: string[] }[];
}

export interface MapContext {
  /** Name-based UUID (v5): the same key always yields the same lead and command ids. */
  idFactory: (name: string) => string;
  /** When the engine handles the commands; business times may not be after it. */
  now: Date;
  actor?: string;
}

/** Parses the file with the mapping's delimiter; each row keeps the line it started on. */
export function readCsvTable(text: string, delimiter: string): CsvTable {
  const records = parse(text, { delimiter, bom: true, skip_empty_lines: true, relax_column_count: true, info: true }) as {
    record: string[];
    info: { lines: number };
  }[];
  if (records.length === 0) return { header: [], rows: [] };
  return {
    header: records[0].record.map((h) => h.trim()),
    rows: records.slice(1).map((r) => ({ line: r.info.lines, cells: r.record })),
  };
}

class CellError extends Error {
  constructor(
    readonly column: string,
    message: string,
  ) {
    super(message);
  }
}

/** The pseudo-column holding the row's line in the file: the key of a data set without an id column. */
export const LINE_COLUMN = '#line';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const monthIndex = (value: string): number => {
  const v = value.trim().toLowerCase();
  const n = Number(v);
  if (Number.isInteger(n) && n >= 1 && n <= 12) return n - 1;
  return MONTHS.indexOf(v.slice(0, 3));
};
const DAY_MS = 86_400_000;

/**
 * Turns rows into commands under a mapping. Stateless per row except for the checks that need
 * the whole file: a key used twice, and business times derived from the row order.
 */
export class RowMapper {
  private readonly index: Map<string, number>;
  private readonly missing: Set<string>;
  private readonly monthTimes = new Map<string, (number | CellError)[]>();
  private readonly seenKeys = new Map<string, number>();
  /** The line of the row being mapped, for LINE_COLUMN. */
  private line = 0;
  private readonly columns: Record<string, string>;

  constructor(
    private readonly mapping: ImportMapping,
    private readonly table: CsvTable,
    private readonly context: MapContext,
  ) {
    this.index = new Map(table.header.map((h, i) => [h, i]));
    this.missing = new Set(mapping.missing.map((m) => m.trim().toLowerCase()));
    for (const spec of Object.values(mapping.times))
      if (spec && 'month' in spec && !this.monthTimes.has(spec.month.column))
        this.monthTimes.set(spec.month.column, this.spreadMonths(spec.month.column, spec.month.firstYear));
    this.columns = this.columnsByDataPath();
  }

  /** The commands of row `i` of the table, or why it is refused. */
  map(i: number): MappedRow | RefusedRow {
    const { line, cells } = this.table.rows[i];
    try {
      return this.mapRow(i, line, cells);
    } catch (error) {
      if (error instanceof CellError) return { row: line, column: error.column, message: error.message };
      throw error;
    }
  }

  private mapRow(i: number, line: number, cells: string[]): MappedRow {
    const m = this.mapping;
    this.line = line;
    const key = this.cell(cells, m.key);
    if (key === undefined) throw new CellError(m.key, 'the key column is empty');
    const earlier = this.seenKeys.get(key);
    if (earlier !== undefined && earlier !== line) throw new CellError(m.key, `key "${key}" was already used on line ${earlier}`);
    this.seenKeys.set(key, line);

    const text = (spec: FieldSpec | undefined) => {
      const v = spec && this.value(cells, spec);
      return v === undefined ? undefined : String(v);
    };
    const num = (spec: FieldSpec | undefined, name: string) => {
      const v = spec && this.value(cells, spec);
      if (v === undefined) return undefined;
      if (typeof v !== 'number') throw new CellError(columnOf(spec), `${name}: expected a number`);
      return v;
    };
    const kind = text(m.lead.kind) as LeadKind | undefined;
    if (kind !== 'B2B' && kind !== 'B2C') throw new CellError(columnOf(m.lead.kind), 'kind: expected B2B or B2C');
    const channel = text(m.lead.source.channel);
    if (!CHANNELS.includes(channel as Channel))
      throw new CellError(columnOf(m.lead.source.channel), `source.channel: "${channel ?? ''}" is not one of ${CHANNELS.join(', ')}`);
    const origin = text(m.lead.source.origin);
    if (origin !== undefined && !ORIGINS.includes(origin as Origin))
      throw new CellError(columnOf(m.lead.source.origin), `source.origin: "${origin}" is not one of ${ORIGINS.join(', ')}`);

    const captured = this.time(i, cells, m.times.captured, undefined, 'captured');
    const handedToSales = m.times.handedToSales ? this.time(i, cells, m.times.handedToSales, captured, 'handed_to_sales') : captured;
    if (handedToSales < captured) throw new CellError(timeColumn(m.times.handedToSales), 'handed to sales before it was captured');
    // Read only for a row with an outcome: an open lead has no outcome time.
    const outcomeAt = (handedOff: boolean) => {
      const t = m.times.outcome ? this.time(i, cells, m.times.outcome, captured, 'outcome') : handedToSales;
      if (t < (handedOff ? handedToSales : captured))
        throw new CellError(timeColumn(m.times.outcome), `the outcome comes before the ${handedOff ? 'hand-off to sales' : 'capture'}`);
      if (t > this.context.now.getTime()) throw new CellError(timeColumn(m.times.outcome), 'business time is in the future');
      return t;
    };
    if (captured > this.context.now.getTime()) throw new CellError(timeColumn(m.times.captured), 'business time is in the future');

    const contact = {
      name: text(m.lead.contact.name) ?? '',
      ...optional('email', text(m.lead.contact.email)),
      ...optional('phone', text(m.lead.contact.phone)),
    };
    let company: Company | undefined;
    if (m.lead.company) {
      const name = text(m.lead.company.name);
      if (name !== undefined)
        company = {
          name,
          ...optional('industry', text(m.lead.company.industry)),
          ...optional('country', text(m.lead.company.country)),
          ...optional('employees', num(m.lead.company.employees, 'company.employees')),
          ...optional('annualRevenue', num(m.lead.company.annualRevenue, 'company.annual_revenue')),
        };
    }
    const attributes: LeadAttributes = {};
    for (const [name, spec] of Object.entries(m.attributes)) {
      const v = this.value(cells, spec);
      if (v !== undefined) attributes[name] = v;
    }

    const leadId = this.context.idFactory(`import:${m.name}:lead:${key}`);
    const actor = this.context.actor ?? `service:import-${m.name}`;
    const at = (step: string, time: number): CommandContext => ({
      commandId: this.context.idFactory(`import:${m.name}:${key}:${step}`),
      leadId,
      occurredAt: new Date(time),
      now: this.context.now,
      actor,
    });
    const need = text(m.lead.need);
    const source = {
      channel: channel as Channel,
      ...optional('origin', origin as Origin | undefined),
      ...optional('campaign', text(m.lead.source.campaign)),
      ...optional('referrer', text(m.lead.source.referrer)),
    };
    const capture: CaptureLead = {
      type: 'CaptureLead',
      ...at('capture', captured),
      data: {
        kind,
        contact,
        ...(company ? { company } : {}),
        source,
        ...optional('need', need),
        ...(Object.keys(attributes).length ? { attributes } : {}),
      },
    };
    const commands: LeadCommand[] = [capture];
    m.activities.forEach((spec, a) => {
      const type = text(spec.type);
      if (type === undefined) return;
      const times = spec.repeat ? Math.max(0, Math.round(num(spec.repeat, `activities.${a}.repeat`) ?? 0)) : 1;
      for (let k = 0; k < times; k++)
        commands.push({ type: 'RecordActivity', ...at(`activity:${a}:${k}`, captured), data: { activityType: type } });
    });
    commands.push(...this.outcome(cells, at, handedToSales, outcomeAt));
    return { row: line, key, leadId, commands, columns: this.columns };
  }

  private outcome(
    cells: string[],
    at: (step: string, time: number) => CommandContext,
    handedToSales: number,
    outcomeAt: (handedOff: boolean) => number,
  ): LeadCommand[] {
    const spec = this.mapping.outcome;
    if (!spec) return [];
    const raw = this.value(cells, spec.field);
    if (raw === undefined) return [];
    const v = String(raw);
    const reason = spec.reason ? this.value(cells, spec.reason) : undefined;
    const handOff: LeadCommand[] = spec.handToSales
      ? [{ type: 'HandToSales', ...at('hand-off', handedToSales), data: { override: { reason: spec.handToSales.reason } } }]
      : [];
    if (spec.won.includes(v))
      return [...handOff, { type: 'ReportSaleOutcome', ...at('outcome', outcomeAt(!!spec.handToSales)), data: { outcome: 'won' } }];
    if (spec.lost.includes(v))
      return [
        ...handOff,
        {
          type: 'ReportSaleOutcome',
          ...at('outcome', outcomeAt(!!spec.handToSales)),
          data: { outcome: 'lost', reason: reason === undefined ? 'not converted' : String(reason), needRemains: false },
        },
      ];
    const disqualified = spec.disqualified[v];
    if (disqualified)
      return [
        {
          type: 'DisqualifyLead',
          ...at('outcome', outcomeAt(false)),
          data: { reason: disqualified, note: reason === undefined ? `imported: ${v}` : String(reason) },
        },
      ];
    throw new CellError(columnOf(spec.field), `outcome: "${v}" is listed under none of won, lost or disqualified`);
  }

  private cell(cells: string[], column: string): string | undefined {
    if (column === LINE_COLUMN) return String(this.line);
    const i = this.index.get(column);
    const v = i === undefined ? undefined : cells[i]?.trim();
    return v === undefined || this.missing.has(v.toLowerCase()) ? undefined : v;
  }

  /** A field's value in a row: read, translated, converted; undefined when the row has none. */
  private value(cells: string[], spec: FieldSpec): string | number | boolean | undefined {
    let raw: string | number | boolean | undefined;
    if (spec.firstOf) {
      for (const f of spec.firstOf) {
        raw = this.value(cells, f);
        if (raw !== undefined) break;
      }
    } else if (spec.column !== undefined) raw = this.cell(cells, spec.column);
    else if (spec.template !== undefined) {
      let any = false;
      const filled = spec.template.replace(/\{([^}]+)\}/g, (_, c: string) => {
        const v = this.cell(cells, c);
        if (v !== undefined) any = true;
        return v ?? '';
      });
      raw = any ? filled : undefined;
    } else raw = spec.value;
    if (spec.values) {
      if (raw !== undefined && Object.prototype.hasOwnProperty.call(spec.values, String(raw))) raw = spec.values[String(raw)] ?? undefined;
      else if (raw !== undefined && spec.default !== undefined) raw = spec.default ?? undefined;
      else if (raw !== undefined) throw new CellError(columnOf(spec), `value "${String(raw)}" is not listed in the mapping's values`);
    } else if (raw === undefined && spec.default !== undefined) raw = spec.default ?? undefined;
    if (raw === undefined) return undefined;
    if (spec.type === 'number' || spec.bins) {
      const n = typeof raw === 'number' ? raw : Number(String(raw).replace(',', '.'));
      if (!Number.isFinite(n)) throw new CellError(columnOf(spec), `"${String(raw)}" is not a number`);
      return spec.bins ? binLabel(n, spec.bins) : n;
    }
    if (spec.type === 'boolean') {
      const b = String(raw).toLowerCase();
      if (['yes', 'true', '1', 'y'].includes(b)) return true;
      if (['no', 'false', '0', 'n'].includes(b)) return false;
      throw new CellError(columnOf(spec), `"${String(raw)}" is not yes or no`);
    }
    return raw;
  }

  private time(i: number, cells: string[], spec: TimeSpec, captured: number | undefined, name: string): number {
    if ('value' in spec) return Date.parse(spec.value);
    if ('afterCaptured' in spec) {
      if (captured === undefined) throw new CellError('', `times.${name}: after_captured needs the capture time`);
      return captured + spec.afterCaptured.days * DAY_MS;
    }
    if ('column' in spec) {
      const v = this.cell(cells, spec.column);
      const t = v === undefined ? NaN : Date.parse(v);
      if (Number.isNaN(t)) throw new CellError(spec.column, `times.${name}: ${v === undefined ? 'no date' : `"${v}" is not a date`}`);
      return t;
    }
    const t = this.monthTimes.get(spec.month.column)![i];
    if (t instanceof CellError) throw t;
    return t;
  }

  /**
   * Rows in date order with only a month column: the year starts at `firstYear` and advances each
   * time the month goes back; the rows of one month are spread evenly over its days.
   */
  private spreadMonths(column: string, firstYear: number): (number | CellError)[] {
    let year = firstYear;
    let previous = -1;
    const monthOf = this.table.rows.map(({ cells }) => {
      const v = this.cell(cells, column);
      const m = v === undefined ? -1 : monthIndex(v);
      if (m < 0) return new CellError(column, v === undefined ? 'no month' : `"${v}" is not a month`);
      if (m < previous) year++;
      previous = m;
      return { year, month: m };
    });
    const counts = new Map<string, number>();
    for (const x of monthOf)
      if (!(x instanceof CellError)) counts.set(`${x.year}-${x.month}`, (counts.get(`${x.year}-${x.month}`) ?? 0) + 1);
    const seen = new Map<string, number>();
    return monthOf.map((x) => {
      if (x instanceof CellError) return x;
      const k = `${x.year}-${x.month}`;
      const nth = seen.get(k) ?? 0;
      seen.set(k, nth + 1);
      const start = Date.UTC(x.year, x.month, 1);
      const length = Date.UTC(x.year, x.month + 1, 1) - start;
      // Whole seconds, so that the times read back exactly.
      return start + Math.floor(((nth + 0.5) / counts.get(k)!) * (length / 1000)) * 1000;
    });
  }

  private columnsByDataPath(): Record<string, string> {
    const { lead } = this.mapping;
    const entries: [string, FieldSpec | undefined][] = [
      ['contact.name', lead.contact.name],
      ['contact.email', lead.contact.email],
      ['contact.phone', lead.contact.phone],
      ['company.name', lead.company?.name],
      ['company.industry', lead.company?.industry],
      ['company.country', lead.company?.country],
      ['need', lead.need],
      ['activityType', this.mapping.activities[0]?.type],
    ];
    return Object.fromEntries(entries.flatMap(([path, spec]) => (spec && columnOf(spec) ? [[path, columnOf(spec)]] : [])));
  }
}

const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
  value === undefined ? {} : ({ [key]: value } as Record<K, V>);

const columnOf = (spec: FieldSpec | undefined): string =>
  spec?.firstOf
    ? spec.firstOf.map(columnOf).filter(Boolean).join(', ')
    : (spec?.column ?? [...(spec?.template ?? '').matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).join(', '));

const timeColumn = (spec: TimeSpec | undefined): string =>
  !spec ? '' : 'column' in spec ? spec.column : 'month' in spec ? spec.month.column : '';
