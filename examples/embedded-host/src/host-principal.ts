/**
 * Who this host is to the engine. Same shape as `Principal` in the engine's auth package, kind 'host':
 * the engine records `host:<id>` as the actor of every command the host sends.
 */
export interface HostPrincipal {
  readonly kind: 'host';
  readonly id: string;
  readonly roles: readonly ['service'];
}

export const HOST_PRINCIPAL = Symbol('HOST_PRINCIPAL');

export function hostPrincipal(id: string): HostPrincipal {
  if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(id)) {
    throw new Error(`host name "${id}": lower-case letters, digits, ".", "_" or "-", at most 63 characters`);
  }
  return { kind: 'host', id, roles: ['service'] };
}

export function actorOf(principal: HostPrincipal): string {
  return `host:${principal.id}`;
}
