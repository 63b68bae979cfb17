import type { ApiKeys } from './api-keys/api-keys';
import { AuthenticationError } from './auth.errors';
import { JwtRefusedError, type JwtVerifier } from './jwt/jwt-verifier';
import type { Principal } from './principal';

const BEARER = /^Bearer ([\x21-\x7e]{1,4096})$/;
const JWT = /^eyJ[\w-]*\.[\w-]+\.[\w-]*$/;

/** Turns an Authorization header into a principal: an API key of the engine, or a JWT of the identity provider. */
export class Authenticator {
  constructor(
    private readonly keys: ApiKeys,
    private readonly jwt?: JwtVerifier,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (authorization === undefined || authorization === '')
      throw new AuthenticationError('missing_credential', 'Send Authorization: Bearer <API key or token>');
    const credential = BEARER.exec(authorization)?.[1];
    if (!credential) throw new AuthenticationError('malformed_header', 'The Authorization header must be "Bearer <API key or token>"');
    if (JWT.test(credential)) {
      if (!this.jwt)
        throw new AuthenticationError('jwt_not_configured', 'Bearer tokens are not accepted here: no identity provider is configured');
      try {
        return await this.jwt.verify(credential);
      } catch (error) {
        if (error instanceof JwtRefusedError) throw new AuthenticationError(error.reason, error.message);
        throw error;
      }
    }
    const principal = await this.keys.verify(credential);
    if (!principal) throw new AuthenticationError('unknown_key', 'The API key is unknown or revoked');
    return principal;
  }
}
