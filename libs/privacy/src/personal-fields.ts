import { personalFieldsOf } from '@lead/domain';

/** Field that replaces an event's personal fields in the store: base64 of iv ‖ AES-256-GCM ciphertext ‖ tag. */
export const SEALED_FIELD = 'sealed';

type Json = Record<string, unknown>;

function parentOf(data: Json, path: string, create: boolean): { parent: Json; key: string } | undefined {
  const parts = path.split('.');
  let node: Json = data;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = node[parts[i]];
    if (typeof next !== 'object' || next === null) {
      if (!create) return undefined;
      node = node[parts[i]] = {};
    } else node = next as Json;
  }
  return { parent: node, key: parts[parts.length - 1] };
}

/** The event's personal values by path, and a copy of the data without them; undefined when it has none. */
export function extractPersonal(type: string, data: unknown): { values: Json; rest: Json } | undefined {
  const paths = personalFieldsOf(type);
  if (!paths || typeof data !== 'object' || data === null) return undefined;
  let rest: Json | undefined;
  const values: Json = {};
  for (const path of paths) {
    const at = parentOf(data as Json, path, false);
    if (!at || at.parent[at.key] === undefined) continue;
    rest ??= structuredClone(data as Json);
    values[path] = at.parent[at.key];
    const copy = parentOf(rest, path, false)!;
    delete copy.parent[copy.key];
  }
  return rest && { values, rest };
}

/** Whether an event about to be appended carries any personal field. */
export function hasPersonal(type: string, data: unknown): boolean {
  const paths = personalFieldsOf(type);
  if (!paths || typeof data !== 'object' || data === null) return false;
  return paths.some((path) => {
    const at = parentOf(data as Json, path, false);
    return at !== undefined && at.parent[at.key] !== undefined;
  });
}

/** Whether the data holds any personal field in the clear (a store written before encryption). */
export function hasPlainPersonal(type: string, data: unknown): boolean {
  if (typeof data !== 'object' || data === null || SEALED_FIELD in data) return false;
  return (personalFieldsOf(type) ?? []).some((path) => {
    const at = parentOf(data as Json, path, false);
    return at !== undefined && at.parent[at.key] !== undefined && at.parent[at.key] !== null;
  });
}

/** Puts decrypted values back at their paths. */
export function restorePersonal(data: Json, values: Json): void {
  for (const path of Object.keys(values)) {
    const at = parentOf(data, path, true)!;
    at.parent[at.key] = values[path];
  }
}

/** An erased lead: every personal field whose parent is there reads as null. */
export function nullPersonal(type: string, data: Json): void {
  for (const path of personalFieldsOf(type) ?? []) {
    const at = parentOf(data, path, false);
    if (at) at.parent[at.key] = null;
  }
  data.erased = true;
}
