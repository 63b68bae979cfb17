import type { Role } from './principal';

/**
 * Which role may call what: the one table of access rules, printed in README's Security section.
 * Roles are explicit — admin does not imply the others; the bootstrap admin key holds several roles instead.
 */
export const ACCESS = {
  /** Lead commands (POST /leads, POST /leads/:id/...) and GET /leads/:id. */
  'lead.write': ['writer', 'service'],
  /** Read models (/pipeline, /nurture-queue, /funnel, /disqualifications), /projections, scoring reads: no contact details. */
  'read-models': ['analyst'],
  /** GET /leads/:id/history and the audit of a lead, personal data included. */
  'lead.audit': ['auditor'],
  /** The security audit stream (GET /admin/audit). */
  'security.audit': ['admin', 'auditor'],
  /** PUT /scoring/model, retrain, projection rebuilds, erasure, key management. */
  admin: ['admin'],
  /** GET /metrics, unless METRICS_PUBLIC=true. */
  metrics: ['admin', 'analyst'],
} as const satisfies Record<string, readonly Role[]>;

export type Access = keyof typeof ACCESS;

export const allows = (roles: readonly Role[], access: Access): boolean =>
  (ACCESS[access] as readonly Role[]).some((role) => roles.includes(role));

/** Roles that may see contact details in the pipeline; an analyst-only principal sees none. */
export const SEES_CONTACTS: readonly Role[] = ['writer', 'service', 'auditor'];
