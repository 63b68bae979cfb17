import { EJSON, type Document } from 'bson';
import { Aggregator, update as applyOperators } from 'mingo';
import { CommandError, failedToParse } from './errors';
import { QUERY_OPTIONS, copy, getPath } from './storage';

/** The update operators handed to mingo; $setOnInsert is applied here, on inserts only. */
const OPERATORS = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$rename',
  '$push',
  '$addToSet',
  '$pull',
  '$pullAll',
  '$pop',
  '$currentDate',
  '$setOnInsert',
]);

export type UpdateSpec = Document | Document[];

export function isOperatorUpdate(update: UpdateSpec): update is Document {
  return !Array.isArray(update) && Object.keys(update).some((k) => k.startsWith('$'));
}

export function checkUpdate(update: UpdateSpec): void {
  if (Array.isArray(update)) return;
  const keys = Object.keys(update);
  if (!isOperatorUpdate(update)) return;
  const paths: string[] = [];
  for (const key of keys) {
    if (!OPERATORS.has(key))
      throw failedToParse(`Unknown modifier: ${key}. Expected a valid update modifier or pipeline-style update specified as an array`);
    const operand = update[key] as Document;
    if (operand === null || typeof operand !== 'object')
      throw failedToParse(`Modifiers operate on fields but we found type ${typeof operand} instead.`);
    paths.push(...Object.keys(operand));
    if (key === '$rename') paths.push(...Object.values(operand).map(String));
  }
  // MongoDB refuses two operators on one path, or on a path and its prefix.
  const sorted = [...paths].sort();
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1], sorted[i]];
    if (a === b || b.startsWith(`${a}.`))
      throw new CommandError(40, 'ConflictingUpdateOperators', `Updating the path '${b}' would create a conflict at '${a}'`);
  }
}

/** The document after the update; `inserting` applies $setOnInsert. The input is not changed. */
export function applyUpdate(doc: Document, update: UpdateSpec, options: { inserting: boolean; arrayFilters?: Document[] }): Document {
  if (Array.isArray(update)) {
    const [result] = new Aggregator(update, QUERY_OPTIONS).run([copy(doc)]);
    return restoreId(doc, result as Document);
  }
  if (!isOperatorUpdate(update)) {
    for (const key of Object.keys(update)) {
      if (key.startsWith('$'))
        throw new CommandError(52, 'DollarPrefixedFieldName', `The dollar ($) prefixed field '${key}' is not allowed here.`);
    }
    return restoreId(doc, { ...copy(update) });
  }
  checkOperandTypes(doc, update);
  const result = copy(doc);
  const { $setOnInsert, ...operators } = update;
  const modifier = options.inserting && $setOnInsert ? { ...operators, $set: { ...(operators.$set ?? {}), ...$setOnInsert } } : operators;
  if (Object.keys(modifier).length > 0) applyOperators(result, copy(modifier), options.arrayFilters);
  return restoreId(doc, result);
}

/** The type checks MongoDB makes before arithmetic and array operators (mingo does not). */
function checkOperandTypes(doc: Document, update: Document): void {
  for (const operator of ['$inc', '$mul'] as const) {
    for (const [path, operand] of Object.entries((update[operator] as Document | undefined) ?? {})) {
      if (typeof operand !== 'number')
        throw new CommandError(
          14,
          'TypeMismatch',
          `Cannot ${operator.slice(1)} with non-numeric argument: {${path}: ${JSON.stringify(operand)}}`,
        );
      const current = getPath(doc, path);
      if (current !== undefined && typeof current !== 'number')
        throw new CommandError(
          14,
          'TypeMismatch',
          `Cannot apply ${operator} to a value of non-numeric type. {_id: ${JSON.stringify(doc._id)}} has the field '${path}' of non-numeric type ${typeof current}`,
        );
    }
  }
  for (const operator of ['$push', '$addToSet', '$pull', '$pop'] as const) {
    for (const path of Object.keys((update[operator] as Document | undefined) ?? {})) {
      const current = getPath(doc, path);
      if (current !== undefined && !Array.isArray(current))
        throw new CommandError(
          2,
          'BadValue',
          `The field '${path}' must be an array but is of type ${typeof current} in document {_id: ${JSON.stringify(doc._id)}}`,
        );
    }
  }
}

/** `_id` cannot change; a replacement without one keeps the old. */
function restoreId(before: Document, after: Document): Document {
  if (!('_id' in before)) return after;
  if (!('_id' in after)) return { _id: before._id, ...after };
  if (EJSON.stringify(after._id) !== EJSON.stringify(before._id))
    throw new CommandError(66, 'ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
  return after;
}

/** The document an upsert starts from: the equality conditions of its filter. */
export function upsertSeed(filter: Document): Document {
  const seed: Document = {};
  const visit = (conditions: Document) => {
    for (const [field, value] of Object.entries(conditions)) {
      if (field === '$and' && Array.isArray(value)) value.forEach((c: Document) => visit(c));
      if (field.startsWith('$')) continue;
      const isOperator =
        value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).some((k) => k.startsWith('$'));
      if (!isOperator) setPath(seed, field, value);
      else if ('$eq' in (value as Document)) setPath(seed, field, (value as Document).$eq);
    }
  };
  visit(filter);
  return seed;
}

function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let target = doc;
  for (const part of parts.slice(0, -1)) {
    if (target[part] === null || typeof target[part] !== 'object') target[part] = {};
    target = target[part] as Document;
  }
  target[parts[parts.length - 1]] = value;
}

export const sameDocument = (a: Document, b: Document) => EJSON.stringify(a, { relaxed: false }) === EJSON.stringify(b, { relaxed: false });
