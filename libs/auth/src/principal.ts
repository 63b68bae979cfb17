/** Roles, and the principal every request and command acts as. */
export const ROLES = ['writer', 'analyst', 'auditor', 'admin', 'service'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  kind: 'api_key' | 'jwt' | 'anonymous' | 'host';
  id: string;
  roles: readonly Role[];
}

export type ActorKind = 'api_key' | 'jwt' | 'policy' | 'host' | 'anonymous';

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/** The string recorded as `metadata.actor`: key:<name>, user:<subject>, host:<id> or anonymous. */
export function actorOf(principal: Principal): string {
  switch (principal.kind) {
    case 'api_key':
      return `key:${principal.id}`;
    case 'jwt':
      return `user:${principal.id}`;
    case 'host':
      return `host:${principal.id}`;
    case 'anonymous':
      return 'anonymous';
  }
}

/** With AUTH=off every request acts as this principal; it holds every role, so nothing is refused. */
export const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous', id: 'anonymous', roles: ROLES });
