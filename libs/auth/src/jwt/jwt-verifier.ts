import { createRemoteJWKSet, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type KeyLike } from 'jose';
import { isRole, type Principal, type Role } from '../principal';

export interface JwtOptions {
  /** The identity provider's JWKS (https://idp/.well-known/jwks.json); or `publicKey`. */
  jwksUrl?: string;
  /** A PEM public key (SPKI), for providers without a JWKS endpoint. */
  publicKey?: string;
  /** Algorithm of `publicKey` (default RS256). */
  algorithm?: string;
  issuer: string;
  audience: string;
  /** Dotted path of the claim holding the roles (default "roles"; e.g. "realm_access.roles"). */
  rolesClaim?: string;
  /** Clock skew tolerated on exp/nbf/iat, in seconds (default 30). */
  clockToleranceSeconds?: number;
}

/** Why a token was refused; the reason is a metrics label, never the token. */
export class JwtRefusedError extends Error {
  override readonly name = 'JwtRefusedError';
  constructor(
    readonly reason: 'invalid_token' | 'no_roles',
    message: string,
  ) {
    super(message);
  }
}

const claimAt = (payload: JWTPayload, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), payload);

/** Verifies bearer JWTs from the team's identity provider (OIDC) with jose: signature, issuer, audience, expiry. */
export class JwtVerifier {
  private readonly keys: Promise<JWTVerifyGetKey | KeyLike>;
  private readonly rolesClaim: string;

  constructor(private readonly options: JwtOptions) {
    if (!options.jwksUrl && !options.publicKey) throw new Error('JWT verification needs AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY');
    if (!options.issuer) throw new Error('JWT verification needs AUTH_JWT_ISSUER');
    if (!options.audience) throw new Error('JWT verification needs AUTH_JWT_AUDIENCE');
    this.rolesClaim = options.rolesClaim || 'roles';
    this.keys = options.jwksUrl
      ? Promise.resolve(createRemoteJWKSet(new URL(options.jwksUrl)))
      : importSPKI(options.publicKey!, options.algorithm ?? 'RS256');
  }

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      const keys = await this.keys;
      ({ payload } = await jwtVerify(token, keys as JWTVerifyGetKey, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw new JwtRefusedError('invalid_token', `The bearer token was refused: ${(error as { code?: string }).code ?? 'invalid'}`);
    }
    const claimed = claimAt(payload, this.rolesClaim);
    const list = typeof claimed === 'string' ? claimed.split(/[\s,]+/) : Array.isArray(claimed) ? claimed : [];
    const roles = [...new Set(list.filter(isRole))] as Role[];
    if (roles.length === 0) throw new JwtRefusedError('no_roles', `The bearer token has no known role in its "${this.rolesClaim}" claim`);
    return { kind: 'jwt', id: String(payload.sub), roles };
  }
}
