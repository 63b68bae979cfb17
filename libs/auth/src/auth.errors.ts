import type { Role } from './principal';

export type AuthFailureReason =
  'missing_credential' | 'malformed_header' | 'unknown_key' | 'invalid_token' | 'no_roles' | 'jwt_not_configured';

/** No credential, or one that is not valid: 401 unauthenticated. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
  constructor(
    readonly reason: AuthFailureReason,
    message: string,
  ) {
    super(message);
  }
}

/** A valid principal without the role the endpoint needs (403 forbidden), or acting on behalf of someone without being a service (403 on_behalf_of_forbidden). */
export class AccessDeniedError extends Error {
  override readonly name = 'AccessDeniedError';
  constructor(
    readonly code: 'forbidden' | 'on_behalf_of_forbidden',
    readonly required: Role,
    message: string,
  ) {
    super(message);
  }
}

/** A header the engine refuses rather than ignores (X-Actor; a malformed X-On-Behalf-Of): 400 with the code. */
export class RefusedHeaderError extends Error {
  override readonly name = 'RefusedHeaderError';
  constructor(
    readonly code: 'actor_header_not_accepted' | 'invalid_on_behalf_of',
    readonly header: string,
    message: string,
  ) {
    super(message);
  }
}
