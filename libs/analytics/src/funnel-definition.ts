import { LEAD_EVENT_TYPES_FOR_FUNNELS, STATUS_EVENTS } from './funnel-vocabulary';
import { LocatedChecker, formatProblem, parseLocatedYaml, type LocatedProblem, type YamlPath } from '@lead/scoring';

export const FUNNEL_ORDERS = ['ordered', 'any'] as const;
/**
 * ordered: a step counts only when reached after the previous one (PostHog's sequential funnel);
 * any: the steps after the first count whenever they are reached within the window, in any order, as a
 * lifecycle-stage report counts every stage a lead ever reached (HubSpot), and as the live funnel does.
 */
export type FunnelOrder = (typeof FUNNEL_ORDERS)[number];
export const COHORT_PERIODS = ['day', 'week', 'month'] as const;
export type CohortPeriod = (typeof COHORT_PERIODS)[number];

/** `data.<path>` on the event's data, `lead.<property>` on the lead's properties as they were at the event. */
export type StepFilter = { readonly field: string; readonly values: readonly (string | number | boolean)[] };

export interface FunnelStep {
  readonly name: string;
  /** Event types that reach the step (a status names the events that put a lead in it). */
  readonly events: readonly string[];
  readonly where: readonly StepFilter[];
}

export interface FunnelDefinition {
  readonly name: string;
  readonly description: string;
  readonly order: FunnelOrder;
  readonly steps: readonly FunnelStep[];
  /** Milliseconds from the first step within which later steps count; null: no limit. */
  readonly windowMs: number | null;
  /** A lead that reaches any of these after entering (within the window) leaves the funnel altogether. */
  readonly exclusions: readonly FunnelStep[];
  /** Index of the step that counts as converted. */
  readonly convertedStep: number;
  readonly cohortPeriod: CohortPeriod;
}

export class FunnelDefinitionError extends Error {
  override readonly name = 'FunnelDefinitionError';
  constructor(readonly problems: readonly LocatedProblem[]) {
    super(`the funnel definition has ${problems.length} problem(s):\n${problems.map(formatProblem).join('\n')}`);
  }
}

const TOP = ['name', 'description', 'order', 'steps', 'window', 'exclusions', 'converted', 'cohort'];
const STEP = ['name', 'event', 'status', 'where'];
const WINDOW = /^(\d+(?:\.\d+)?)\s*(h|d|w)$/;
const UNIT_MS = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
const NAME = /^[a-z0-9][a-z0-9_-]*$/i;

/** Parses a YAML or JSON funnel definition; every problem is reported with its line, column and field. */
export function parseFunnelDefinition(text: string, file: string): FunnelDefinition {
  const { doc, lines, problems } = parseLocatedYaml(text, file);
  if (problems.length > 0) throw new FunnelDefinitionError(problems);
  const checker = new DefinitionChecker(doc, lines, file);
  const definition = checker.definition(doc.toJS());
  if (checker.problems.length > 0 || !definition) throw new FunnelDefinitionError(checker.problems);
  return definition;
}

class DefinitionChecker extends LocatedChecker {
  definition(root: unknown): FunnelDefinition | undefined {
    const m = this.map(root, [], true);
    if (!m) return undefined;
    this.only(m, [], TOP);
    const name = this.name(m.name, ['name']);
    const description = m.description === undefined ? '' : (this.string(m.description, ['description']) ?? '');
    const order = this.oneOf(m.order ?? 'ordered', ['order'], FUNNEL_ORDERS);
    const cohortPeriod = this.oneOf(m.cohort ?? 'month', ['cohort'], COHORT_PERIODS);
    const windowMs = this.window(m.window);
    const steps = (this.list(m.steps, ['steps'], true) ?? []).map((s, i) => this.step(s, ['steps', i]));
    if (Array.isArray(m.steps) && m.steps.length < 2) this.fail(['steps'], `a funnel needs at least 2 steps, got ${m.steps.length}`);
    const names = steps.map((s) => s?.name);
    names.forEach((n, i) => {
      if (n !== undefined && names.indexOf(n) !== i) this.fail(['steps', i, 'name'], `step name "${n}" is used twice`);
    });
    const exclusions = (this.list(m.exclusions, ['exclusions']) ?? []).map((s, i) => this.step(s, ['exclusions', i]));
    let convertedStep = steps.length - 1;
    if (m.converted !== undefined) {
      const converted = this.string(m.converted, ['converted']);
      const index = names.indexOf(converted);
      if (converted !== undefined && index < 1)
        this.fail(['converted'], `must name a step after the first (one of: ${names.slice(1).join(', ')}), got "${converted}"`);
      else if (converted !== undefined) convertedStep = index;
    }
    if (this.problems.length > 0 || name === undefined || order === undefined || cohortPeriod === undefined) return undefined;
    return {
      name,
      description,
      order,
      steps: steps as FunnelStep[],
      windowMs,
      exclusions: exclusions as FunnelStep[],
      convertedStep,
      cohortPeriod,
    };
  }

  private name(value: unknown, path: YamlPath): string | undefined {
    if (value === undefined) return this.fail(path, 'is required (a name: letters, digits, "-" and "_")');
    const s = this.string(value, path);
    if (s !== undefined && !NAME.test(s)) return this.fail(path, `must be letters, digits, "-" and "_", got ${JSON.stringify(s)}`);
    return s;
  }

  private oneOf<T extends string>(value: unknown, path: YamlPath, allowed: readonly T[]): T | undefined {
    if (typeof value !== 'string' || !allowed.includes(value as T))
      return this.fail(path, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
    return value as T;
  }

  private window(value: unknown): number | null {
    if (value === undefined || value === null) return null;
    const match = typeof value === 'string' ? WINDOW.exec(value.trim()) : null;
    if (!match || !(Number(match[1]) > 0)) {
      this.fail(['window'], `must be a duration such as "30d", "12h" or "2w", got ${JSON.stringify(value)}`);
      return null;
    }
    return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }

  private step(value: unknown, path: YamlPath): FunnelStep | undefined {
    const m = this.map(value, path, true);
    if (!m) return undefined;
    this.only(m, path, STEP);
    const hasEvent = m.event !== undefined;
    const hasStatus = m.status !== undefined;
    let events: string[] = [];
    if (hasEvent === hasStatus) this.fail(path, 'needs exactly one of "event" (event types) or "status" (a lead status)');
    else if (hasEvent) {
      const list = Array.isArray(m.event) ? m.event : [m.event];
      list.forEach((e, i) => {
        const at = Array.isArray(m.event) ? [...path, 'event', i] : [...path, 'event'];
        if (typeof e !== 'string' || !LEAD_EVENT_TYPES_FOR_FUNNELS.includes(e))
          this.fail(at, `unknown event type ${JSON.stringify(e)} (known: ${LEAD_EVENT_TYPES_FOR_FUNNELS.join(', ')})`);
        else events.push(e);
      });
    } else {
      const status = m.status;
      if (typeof status !== 'string' || !(status in STATUS_EVENTS))
        this.fail([...path, 'status'], `unknown status ${JSON.stringify(status)} (known: ${Object.keys(STATUS_EVENTS).join(', ')})`);
      else events = [...STATUS_EVENTS[status as keyof typeof STATUS_EVENTS]];
    }
    const name = m.name === undefined ? (typeof m.status === 'string' ? m.status : undefined) : this.name(m.name, [...path, 'name']);
    if (name === undefined && m.name === undefined) this.fail([...path, 'name'], 'is required when the step is given by event');
    const where: StepFilter[] = [];
    const filters = this.map(m.where, [...path, 'where']);
    for (const [field, raw] of Object.entries(filters ?? {})) {
      const at = [...path, 'where', field];
      if (!/^(data|lead)\.[A-Za-z0-9_.]+$/.test(field)) {
        this.fail(at, 'a filter names "data.<field>" (the event\'s data) or "lead.<property>" (the lead\'s properties)', true);
        continue;
      }
      const values = Array.isArray(raw) ? raw : [raw];
      if (values.length === 0 || values.some((v) => !['string', 'number', 'boolean'].includes(typeof v))) {
        this.fail(at, 'expected a value or a list of values (strings, numbers or booleans)');
        continue;
      }
      where.push({ field, values: values as (string | number | boolean)[] });
    }
    return name === undefined ? undefined : { name, events, where };
  }
}
