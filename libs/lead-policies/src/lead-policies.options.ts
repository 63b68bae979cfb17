import type { RecordedEvent } from '@lead/event-store';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PolicyStoreConfig } from './policy-state/policy-store.factory';
import type { PolicyStateStore } from './policy-state/policy-state.store';
import { DEFAULT_ROUTING_CONFIG, loadRoutingConfigFile, type RoutingConfig } from './routing/routing-config';

export interface ReactorHooks {
  /** Test seam: called after an event's reactions were sent and before its state and checkpoint are stored. */
  afterReactions?(event: RecordedEvent): Promise<void> | void;
}

export interface LeadPoliciesOptions {
  /** A store instance (the host closes it), or where to create one; default from the environment (READ_STORE, MONGODB_URL, POLICY_SQLITE_PATH). */
  stateStore?: PolicyStateStore | PolicyStoreConfig;
  /** The routing configuration, or the file to read it from; default ROUTING_CONFIG, else config/routing.yaml. */
  routing?: RoutingConfig | string;
  /** The model activated on a first start; default SCORING_MODEL_PATH, else libs/scoring/models/default.yaml. */
  scoringModelPath?: string;
  /** Run the reactor and the sweep (default: unless POLICIES=off). Duplicate detection on capture follows routing's `duplicates`. */
  reactor?: boolean;
  /** How often the sweep looks for due timers (default POLICY_SWEEP_INTERVAL_MS, else 60 000). */
  sweepIntervalMs?: number;
  /** Fewest leads with an outcome a retrain accepts (default 20). */
  minTrainingOutcomes?: number;
  /** How long an orphaned contact claim (its lead never captured) is respected before it is taken over (default 5 000 ms). */
  claimGraceMs?: number;
  hooks?: ReactorHooks;
}

/** The options resolved once at start. */
export interface LeadPoliciesSettings {
  routing: RoutingConfig;
  /** Where the routing came from: a file path, "options" or "built-in defaults". */
  routingSource: string;
  scoringModelFile?: string;
  reactor: boolean;
  sweepIntervalMs: number;
  minTrainingOutcomes: number;
  claimGraceMs: number;
  hooks?: ReactorHooks;
}

export const LEAD_POLICIES_SETTINGS = Symbol('LEAD_POLICIES_SETTINGS');
export const POLICY_STATE_STORE = Symbol('POLICY_STATE_STORE');

export class PoliciesConfigError extends Error {
  override readonly name = 'PoliciesConfigError';
}

/**
 * Files are looked up in the working directory (the project root for `npm start`, the CLI and the
 * tests), then relative to this library's sources. An explicitly named file must exist.
 */
function locate(explicit: string | undefined, variable: string, fromRoot: string, fromHere: string): string | undefined {
  if (explicit) {
    if (!existsSync(explicit)) throw new PoliciesConfigError(`${variable}: no such file ${explicit}`);
    return explicit;
  }
  return [resolve(process.cwd(), fromRoot), resolve(__dirname, fromHere)].find((f) => existsSync(f));
}

export function resolvePoliciesSettings(options: LeadPoliciesOptions = {}, env: NodeJS.ProcessEnv = process.env): LeadPoliciesSettings {
  let routing = DEFAULT_ROUTING_CONFIG;
  let routingSource = 'built-in defaults';
  if (typeof options.routing === 'object') {
    routing = options.routing;
    routingSource = 'options';
  } else {
    const file = locate(
      options.routing ?? (env.ROUTING_CONFIG?.trim() || undefined),
      'ROUTING_CONFIG',
      'libs/lead-policies/config/routing.yaml',
      '../config/routing.yaml',
    );
    if (file) {
      routing = loadRoutingConfigFile(file);
      routingSource = file;
    }
  }
  const scoringModelFile = locate(
    options.scoringModelPath ?? (env.SCORING_MODEL_PATH?.trim() || undefined),
    'SCORING_MODEL_PATH',
    'libs/scoring/models/default.yaml',
    '../../scoring/models/default.yaml',
  );
  const interval = options.sweepIntervalMs ?? (env.POLICY_SWEEP_INTERVAL_MS ? Number(env.POLICY_SWEEP_INTERVAL_MS) : 60_000);
  if (!(Number.isFinite(interval) && interval >= 10))
    throw new PoliciesConfigError(`POLICY_SWEEP_INTERVAL_MS must be a number of milliseconds ≥ 10, not "${env.POLICY_SWEEP_INTERVAL_MS}"`);
  const policies = (env.POLICIES ?? '').trim().toLowerCase();
  if (policies && !['on', 'off'].includes(policies)) throw new PoliciesConfigError(`POLICIES must be "on" or "off", not "${env.POLICIES}"`);
  return {
    routing,
    routingSource,
    ...(scoringModelFile ? { scoringModelFile } : {}),
    reactor: options.reactor ?? policies !== 'off',
    sweepIntervalMs: interval,
    minTrainingOutcomes: options.minTrainingOutcomes ?? 20,
    claimGraceMs: options.claimGraceMs ?? 5_000,
    ...(options.hooks ? { hooks: options.hooks } : {}),
  };
}
