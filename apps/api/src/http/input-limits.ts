import { LeadValidationError, type FieldProblem } from '@lead/domain';
import type { NextFunction, Request, Response } from 'express';

export interface InputLimits {
  /** Deepest nesting of objects and arrays; the body itself is level 1. */
  maxDepth: number;
  /** Most elements in any one array. */
  maxArrayLength: number;
}

export function inputLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): InputLimits {
  const positive = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not "${raw}"`);
    return value;
  };
  return { maxDepth: positive('INPUT_MAX_DEPTH', 8), maxArrayLength: positive('INPUT_MAX_ARRAY_LENGTH', 200) };
}

// Keys that reach Object.prototype (or a constructor) through naive merges and lodash-style setters.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The first problem in a parsed body or query, or null; `field` is the dotted path ("" for the root). */
export function inputProblem(value: unknown, limits: InputLimits, path = '', depth = 1): FieldProblem | null {
  if (typeof value !== 'object' || value === null) return null;
  const field = path || '(root)';
  if (depth > limits.maxDepth) return { field, message: `nests deeper than ${limits.maxDepth} levels` };
  if (Array.isArray(value)) {
    if (value.length > limits.maxArrayLength) return { field, message: `has more than ${limits.maxArrayLength} elements` };
    for (let i = 0; i < value.length; i++) {
      const problem = inputProblem(value[i], limits, path ? `${path}.${i}` : String(i), depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    const child = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) return { field: child, message: `the key "${key}" is not accepted` };
    const problem = inputProblem((value as Record<string, unknown>)[key], limits, child, depth + 1);
    if (problem) return problem;
  }
  return null;
}

/**
 * Refuses, before any guard or handler, a body or query string that nests too deep, holds too long an
 * array or names a prototype key, anywhere (free-form `attributes` and `details` included).
 */
export function inputLimitsMiddleware(limits: InputLimits) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const problem = inputProblem(req.body, limits) ?? inputProblem(req.query, limits, '', 1);
    next(problem ? new LeadValidationError([problem]) : undefined);
  };
}
