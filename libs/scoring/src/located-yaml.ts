import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';

/** A problem in a configuration file, located by line, column and field path. */
export interface LocatedProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the field, e.g. "engagement.call_booked.points" ("" for the whole document). */
  path: string;
  message: string;
}

export const formatProblem = (p: LocatedProblem): string => `${p.file}:${p.line}:${p.column} ${p.path ? `${p.path}: ` : ''}${p.message}`;

export type YamlPath = (string | number)[];
export type Plain = Record<string, unknown>;

export const describeValue = (value: unknown): string => {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
};

/** Parses YAML (or JSON) keeping node positions; syntax errors come back as located problems. */
export function parseLocatedYaml(text: string, file: string): { doc: Document; lines: LineCounter; problems: LocatedProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems = doc.errors.map((e) => {
    const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
    return { file, line: pos.line, column: pos.col, path: '', message: e.message.split('\n')[0] };
  });
  return { doc, lines, problems };
}

/**
 * Base of the file validators: typed readers for primitive values that record a located problem
 * instead of throwing, so that one run reports every problem of a file.
 */
export abstract class LocatedChecker {
  readonly problems: LocatedProblem[] = [];

  constructor(
    protected readonly doc: Document,
    protected readonly lines: LineCounter,
    protected readonly file: string,
  ) {}

  protected number(
    value: unknown,
    path: YamlPath,
    opts: { required?: boolean; min?: number; max?: number; maxHint?: string; positive?: boolean } = {},
  ): number | undefined {
    if (value === undefined) return opts.required ? this.fail(path, 'is required (a number)') : undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.fail(path, `expected a number, got ${describeValue(value)}`);
    if (opts.positive && !(value > 0)) return this.fail(path, `must be greater than 0, got ${value}`);
    if (opts.min !== undefined && value < opts.min) return this.fail(path, `must be at least ${opts.min}, got ${value}`);
    if (opts.max !== undefined && value > opts.max)
      return this.fail(path, `must be at most ${opts.max}${opts.maxHint ? ` (${opts.maxHint})` : ''}, got ${value}`);
    return value;
  }

  protected string(value: unknown, path: YamlPath): string | undefined {
    return typeof value === 'string' ? value : this.fail(path, `expected a string, got ${describeValue(value)}`);
  }

  protected map(value: unknown, path: YamlPath, required = false): Plain | undefined {
    if (value === undefined) return required ? this.fail(path, 'is required (a map)') : undefined;
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return this.fail(path, `expected a map, got ${describeValue(value)}`);
    return value as Plain;
  }

  protected list(value: unknown, path: YamlPath, required = false): unknown[] | undefined {
    if (value === undefined) return required ? this.fail(path, 'is required (a list)') : undefined;
    if (!Array.isArray(value)) return this.fail(path, `expected a list, got ${describeValue(value)}`);
    return value;
  }

  /** Unknown keys are errors: a misspelt "half_lif_days" must not silently mean "no decay". */
  protected only(m: Plain, path: YamlPath, allowed: readonly string[]): void {
    for (const key of Object.keys(m)) {
      if (!allowed.includes(key)) this.fail([...path, key], `unknown field (expected one of: ${allowed.join(', ')})`, true);
    }
  }

  protected fail(path: YamlPath, message: string, atKey = false): undefined {
    const pos = this.lines.linePos(this.offsetOf(path, atKey));
    this.problems.push({ file: this.file, line: pos.line, column: pos.col, path: path.join('.'), message });
    return undefined;
  }

  /** Where a field is in the text: its value (or its key), else the nearest enclosing node that exists. */
  private offsetOf(path: YamlPath, atKey: boolean): number {
    if (atKey && path.length > 0) {
      const parent = path.length === 1 ? this.doc.contents : this.doc.getIn(path.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path[path.length - 1]));
        if (pair && isNode(pair.key) && pair.key.range) return pair.key.range[0];
      }
    }
    for (let i = path.length; i > 0; i--) {
      const node = this.doc.getIn(path.slice(0, i), true);
      if (isNode(node) && node.range) return node.range[0];
    }
    return isNode(this.doc.contents) && this.doc.contents.range ? this.doc.contents.range[0] : 0;
  }
}
