import { DEFAULT_ACTIVITY_TYPES } from '@lead/domain';
import type { EventStore, EventStoreConfig } from '@lead/event-store';
import type { PrivacyOptions } from '@lead/privacy';

export interface LeadLifecycleOptions {
  /** An event store instance, or a configuration to create one; default: from the environment (EVENT_STORE, SQLITE_PATH, EVENTSTORE_URL). */
  eventStore?: EventStore | EventStoreConfig;
  /**
   * Encryption of personal data (crypto-shredding; README "Security"). On by default, for a store handed
   * in too: the store is wrapped, so everything written through the engine is encrypted. `false` only for
   * a host that keeps no personal data in lead events or encrypts them itself.
   */
  privacy?: PrivacyOptions | false;
  /** Allowed activity types (default: PRODUCT.md's list). */
  activityTypes?: readonly string[];
}

export const LEAD_LIFECYCLE_OPTIONS = Symbol('LEAD_LIFECYCLE_OPTIONS');

export function activityTypesFrom(options: LeadLifecycleOptions, env = process.env): readonly string[] {
  if (options.activityTypes) return options.activityTypes;
  const fromEnv = env.ACTIVITY_TYPES?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return fromEnv?.length ? fromEnv : DEFAULT_ACTIVITY_TYPES;
}
