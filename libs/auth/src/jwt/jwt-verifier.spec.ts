import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWTPayload, type KeyLike } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JwtRefusedError, JwtVerifier } from './jwt-verifier';

const ISSUER = 'https://idp.test/';
const AUDIENCE = 'lead-engine';

describe('JWT bearer tokens (OIDC)', () => {
  let signing: KeyLike;
  let signingPublic: KeyLike;
  let other: KeyLike;
  let server: Server;
  let jwksUrl: string;
  let verifier: JwtVerifier;

  const token = (claims: JWTPayload, { key = signing, iss = ISSUER, aud = AUDIENCE, exp = '5m' as string | number } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(iss)
      .setAudience(aud)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(key);

  beforeAll(async () => {
    ({ privateKey: signing, publicKey: signingPublic } = await generateKeyPair('RS256'));
    ({ privateKey: other } = await generateKeyPair('RS256'));
    const pub = await exportJWK(signingPublic);
    const jwks = JSON.stringify({ keys: [{ ...pub, kid: 'k1', alg: 'RS256', use: 'sig' }] });
    server = createServer((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    verifier = new JwtVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 30 });
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('accepts a token signed by the provider and maps its subject and roles', async () => {
    expect(await verifier.verify(await token({ sub: 'ana@acme.ro', roles: ['writer', 'auditor', 'unknown-role'] }))).toEqual({
      kind: 'jwt',
      id: 'ana@acme.ro',
      roles: ['writer', 'auditor'],
    });
  });

  it('reads the roles from a dotted claim path (Keycloak realm_access.roles)', async () => {
    const keycloak = new JwtVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE, rolesClaim: 'realm_access.roles' });
    expect(await keycloak.verify(await token({ sub: 'ion', realm_access: { roles: ['analyst'] } }))).toMatchObject({ roles: ['analyst'] });
  });

  it('verifies against a configured PEM public key as well', async () => {
    const pem = await exportSPKI(signingPublic);
    const byKey = new JwtVerifier({ publicKey: pem, issuer: ISSUER, audience: AUDIENCE });
    expect(await byKey.verify(await token({ sub: 'ana', roles: ['writer'] }))).toMatchObject({ id: 'ana' });
  });

  const refusals: [string, () => Promise<string>, JwtRefusedError['reason']][] = [
    ['a bad signature', () => token({ sub: 'ana', roles: ['writer'] }, { key: other }), 'invalid_token'],
    ['a wrong issuer', () => token({ sub: 'ana', roles: ['writer'] }, { iss: 'https://evil.test/' }), 'invalid_token'],
    ['a wrong audience', () => token({ sub: 'ana', roles: ['writer'] }, { aud: 'another-app' }), 'invalid_token'],
    [
      'expiry beyond the 30 s skew',
      () => token({ sub: 'ana', roles: ['writer'] }, { exp: Math.floor(Date.now() / 1000) - 31 }),
      'invalid_token',
    ],
    ['no roles claim', () => token({ sub: 'ana' }), 'no_roles'],
    ['only unknown roles', () => token({ sub: 'ana', roles: ['superuser'] }), 'no_roles'],
    ['no subject', () => token({ roles: ['writer'] }), 'invalid_token'],
  ];
  it.each(refusals)('refuses %s', async (_, make, reason) => {
    await expect(verifier.verify(await make())).rejects.toMatchObject({ name: 'JwtRefusedError', reason });
  });

  it('accepts a token expired within the skew', async () => {
    const justExpired = await token({ sub: 'ana', roles: ['writer'] }, { exp: Math.floor(Date.now() / 1000) - 10 });
    expect(await verifier.verify(justExpired)).toMatchObject({ id: 'ana' });
  });
});
