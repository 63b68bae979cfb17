/**
 * The read store port: the few document operations projections need, so that all projection logic
 * is shared code and each adapter (embedded SQLite, MongoDB) stays a thin mapping covered by one
 * contract suite.
 *
 * Documents are plain JSON objects addressed by collection + key. Writes never happen one by one:
 * a projection runner hands the store a batch of write operations for one or more projections
 * together with each projection's new checkpoint, and the store applies all of it atomically.
 */
import type { Position } from '@lead/event-store';

export type Doc = Record<string, unknown>;

/** Indexed fields keep one scalar type so that both stores compare and sort them the same way. */
export type FieldType = 'text' | 'number';

export type SortDirection = 1 | -1;

export interface CollectionSpec {
  /** Lower-case letters, digits and underscores: it becomes a table or collection name. */
  readonly name: string;
  /** Top-level fields that filters and sorts may use. Values are scalars of the declared type, or null. */
  readonly fields: Readonly<Record<string, FieldType>>;
  /** Compound indexes, each a list of [field, direction]; the key is appended as the last component. */
  readonly indexes: readonly (readonly (readonly [field: string, direction: SortDirection])[])[];
}

export type Scalar = string | number;

/** Equality (null matches null), or a set / range condition. */
export type FieldFilter =
  | Scalar
  | null
  | { readonly in?: readonly Scalar[]; readonly gt?: Scalar; readonly gte?: Scalar; readonly lt?: Scalar; readonly lte?: Scalar };

export interface FindQuery {
  readonly filter?: Readonly<Record<string, FieldFilter>>;
  /**
   * One sort field; the key breaks ties in the same direction. Null sorts lowest in both stores
   * (first ascending, last descending). Without a sort, documents come in key order.
   */
  readonly sort?: { readonly field: string; readonly direction: SortDirection };
  /** Keyset pagination: only documents strictly after this (sort value, key) in sort order. */
  readonly after?: { readonly value: Scalar | null; readonly key: string };
  readonly limit?: number;
}

/**
 * A blind update of a document the projection did not read: counters and patches.
 * Paths may be dotted ("byReason.spam"). `upsert` holds the fields of a document created by the
 * update; it must not overlap the updated paths.
 */
export interface DocUpdate {
  readonly inc?: Readonly<Record<string, number>>;
  readonly set?: Readonly<Record<string, unknown>>;
  readonly unset?: readonly string[];
  readonly upsert?: Doc;
}

export type WriteOp =
  | { readonly op: 'put'; readonly collection: string; readonly key: string; readonly doc: Doc }
  | { readonly op: 'delete'; readonly collection: string; readonly key: string }
  | { readonly op: 'update'; readonly collection: string; readonly key: string; readonly update: DocUpdate };

export interface Checkpoint {
  /** Global position of the last event the projection has taken into account; null before the first. */
  readonly position: Position | null;
  /** When the store recorded that event (epoch ms), for the "seconds behind" figure after a restart. */
  readonly recordedAt: number | null;
  /** The projection version the stored read model was built with: another version is rebuilt at start. */
  readonly version: number;
  /** A reset was started and not finished (MongoDB only: its reset is not one transaction). */
  readonly resetting?: boolean;
}

/** One projection's share of a batch: its writes and the checkpoint they bring it to. */
export interface ProjectionCommit {
  readonly projection: string;
  readonly ops: readonly WriteOp[];
  readonly checkpoint: Checkpoint;
}

export interface ReadStore {
  readonly kind: 'sqlite' | 'mongodb';

  /** Creates missing tables / collections and indexes; existing data is kept. */
  ensureCollections(specs: readonly CollectionSpec[]): Promise<void>;

  checkpoint(projection: string): Promise<Checkpoint | null>;

  /**
   * Writes every projection's operations and checkpoint atomically: after a crash either all of
   * the batch is there or none of it is, so replaying from the stored checkpoint never loses or
   * double-counts an event.
   */
  commit(commits: readonly ProjectionCommit[]): Promise<void>;

  /**
   * Empties the projection's collections (recreating them from `specs`) and sets its checkpoint to the start.
   * With `deferIndexes`, secondary indexes are left out until ensureCollections(): a replay from scratch
   * then writes without maintaining them, and they are built once at the end.
   */
  reset(projection: string, version: number, specs: readonly CollectionSpec[], options?: { deferIndexes?: boolean }): Promise<void>;

  get(collection: string, key: string): Promise<Doc | null>;
  getMany(collection: string, keys: readonly string[]): Promise<Map<string, Doc>>;
  find(collection: string, query?: FindQuery): Promise<Doc[]>;

  close(): Promise<void>;
}

export function isReadStore(x: unknown): x is ReadStore {
  const candidate = x as Partial<ReadStore> | undefined;
  return typeof candidate?.commit === 'function' && typeof candidate.find === 'function' && typeof candidate.reset === 'function';
}

const NAME = /^[a-z][a-z0-9_]*$/;

/** Collection and field names end up in SQL and MongoDB paths: only plain identifiers are allowed. */
export function checkName(kind: string, name: string): string {
  if (!NAME.test(name)) throw new RangeError(`Invalid ${kind} name "${name}": use lower-case letters, digits and underscores`);
  return name;
}

export function checkFieldName(name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new RangeError(`Invalid field name "${name}": use letters, digits and underscores`);
  return name;
}

// ---------------------------------------------------------------- update semantics shared by adapters and the unit of work

/** The object that holds a dotted path's last segment, created on the way when asked (undefined when missing). */
function parentOf(doc: Doc, path: string, create: boolean): Record<string, unknown> | undefined {
  let node: Record<string, unknown> = doc;
  // Most paths are plain field names: no split, no array.
  for (let start = 0, dot = path.indexOf('.'); dot >= 0; start = dot + 1, dot = path.indexOf('.', start)) {
    const part = path.slice(start, dot);
    let child = node[part];
    if (child === undefined || child === null) {
      if (!create) return undefined;
      child = {};
      node[part] = child;
    }
    if (typeof child !== 'object' || Array.isArray(child)) throw new TypeError(`Cannot follow path "${path}": "${part}" is not an object`);
    node = child as Record<string, unknown>;
  }
  return node;
}

const leafOf = (path: string): string => path.slice(path.lastIndexOf('.') + 1);

/** Applies an update in place, with MongoDB's $set / $unset / $inc semantics. */
export function applyUpdate(doc: Doc, update: DocUpdate): Doc {
  const { set, unset, inc } = update;
  if (set) for (const path of Object.keys(set)) parentOf(doc, path, true)![leafOf(path)] = set[path];
  if (unset) {
    for (const path of unset) {
      const parent = parentOf(doc, path, false);
      if (parent) delete parent[leafOf(path)];
    }
  }
  if (inc) {
    for (const path of Object.keys(inc)) {
      const parent = parentOf(doc, path, true)!;
      const leaf = leafOf(path);
      const current = parent[leaf];
      if (current !== undefined && current !== null && typeof current !== 'number')
        throw new TypeError(`Cannot increment "${path}": it is not a number`);
      parent[leaf] = ((current as number | undefined) ?? 0) + inc[path];
    }
  }
  return doc;
}

/** A deep copy of a document: plain objects and arrays copied, other values as they are (documents hold JSON values). */
export function copyDoc<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyDoc) as T;
  // Anything but a plain object (a Date, say) is left to the general algorithm.
  if (Object.getPrototypeOf(value) !== Object.prototype) return structuredClone(value);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = copyDoc((value as Record<string, unknown>)[key]);
  return copy as T;
}
