/**
 * Event schema evolution. An event is stored in the schema version it was written in
 * (metadata.schemaVersion) and never rewritten; readers bring it to the current version through
 * upcasters: pure functions from one version's data to the next. Changing an event's shape in a
 * way old readers cannot take means: bump its version here with an upcaster from the previous one,
 * then change its type and parser (lead.events.ts, lead.event-parsers.ts).
 */
import { UnreadableEventError } from './lead.errors';
import type { LeadEventType } from './lead.events';

export type EventData = Readonly<Record<string, unknown>>;

export interface EventUpcaster {
  readonly type: LeadEventType;
  readonly fromVersion: number;
  /** fromVersion + 1: versions are consecutive, so every old version has one path to the current one. */
  readonly toVersion: number;
  /** Pure: returns new data and leaves its input as it was. */
  readonly upcast: (data: EventData) => Record<string, unknown>;
}

export class UpcasterRegistry {
  private readonly steps = new Map<string, EventUpcaster>();
  private readonly current = new Map<string, number>();

  constructor(upcasters: readonly EventUpcaster[]) {
    for (const u of upcasters) {
      if (u.toVersion !== u.fromVersion + 1 || u.fromVersion < 1) {
        throw new Error(`Upcaster of ${u.type} must go from a version ≥ 1 to the next (got ${u.fromVersion} → ${u.toVersion})`);
      }
      const key = `${u.type}@${u.fromVersion}`;
      if (this.steps.has(key)) throw new Error(`Two upcasters of ${u.type} from version ${u.fromVersion}`);
      this.steps.set(key, u);
      this.current.set(u.type, Math.max(this.current.get(u.type) ?? 1, u.toVersion));
    }
    for (const [type, version] of this.current) {
      for (let v = 1; v < version; v++) {
        if (!this.steps.has(`${type}@${v}`)) throw new Error(`No upcaster of ${type} from version ${v} to ${v + 1}`);
      }
    }
  }

  /** The version writers put in metadata.schemaVersion for an event of this type. */
  currentVersion(type: LeadEventType): number {
    return this.current.get(type) ?? 1;
  }

  /** The data in the current version; refuses a version it does not know (one written by newer code). */
  upcast(type: LeadEventType, data: EventData, version: number): EventData {
    const current = this.current.get(type) ?? 1;
    if (version === current) return data;
    if (!Number.isInteger(version) || version < 1 || version > current) {
      throw new UnreadableEventError(type, `schema version ${version} is not one this code reads (1 to ${current})`);
    }
    let upcast = data;
    for (let v = version; v < current; v++) upcast = this.steps.get(`${type}@${v}`)!.upcast(upcast);
    return upcast;
  }
}

/** The engine's upcasters: every event type is at version 1 until one here moves it on. */
export const LEAD_UPCASTERS = new UpcasterRegistry([]);

/** metadata.schemaVersion for a new event of this type. */
export const leadEventSchemaVersion = (type: LeadEventType): number => LEAD_UPCASTERS.currentVersion(type);

/** The schema version a stored event names in its metadata: 1 when it names none, NaN (refused) when it is not a number. */
export function storedSchemaVersion(metadata: { readonly schemaVersion?: unknown } | null | undefined): number {
  const version = metadata?.schemaVersion;
  if (version === undefined || version === null) return 1;
  return typeof version === 'number' ? version : NaN;
}
