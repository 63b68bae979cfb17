import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ACCESS, allows, type Access } from '../access';
import { AccessDeniedError, AuthenticationError, RefusedHeaderError } from '../auth.errors';
import { authMetrics } from '../auth.metrics';
import { AUTH_OPTIONS, type AuthOptions } from '../auth.options';
import { Authenticator } from '../authenticator';
import { ANONYMOUS, type Principal } from '../principal';
import { ACCESS_METADATA, PUBLIC_METADATA } from './access.decorator';

type AuthRequest = {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
  onBehalfOf?: string;
};

const PERSON = /^[\w.@:+\-/ ]{1,200}$/;

const header = (request: AuthRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

/**
 * Global guard: every route needs a principal with a role its @Allow admits, except @Public ones. A route
 * without @Allow is admin-only, so a forgotten declaration fails closed. Runs before any pipe or handler,
 * so a refused request appends nothing.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, targets)) return true;
    const access = this.reflector.getAllAndOverride<Access>(ACCESS_METADATA, targets) ?? 'admin';
    if (access === 'metrics' && this.options.metricsPublic) return true;

    const request = context.switchToHttp().getRequest<AuthRequest>();
    const principal = await this.principalOf(request);
    if (header(request, 'x-actor') !== undefined)
      throw new RefusedHeaderError(
        'actor_header_not_accepted',
        'X-Actor',
        'X-Actor is no longer accepted: the actor is the authenticated principal; a service principal may send X-On-Behalf-Of',
      );
    if (!allows(principal.roles, access)) {
      authMetrics.failed('forbidden');
      const required = ACCESS[access][0];
      throw new AccessDeniedError('forbidden', required, `This needs the ${ACCESS[access].join(' or ')} role`);
    }
    const onBehalfOf = header(request, 'x-on-behalf-of');
    if (onBehalfOf !== undefined) {
      if (!principal.roles.includes('service')) {
        authMetrics.failed('on_behalf_of_forbidden');
        throw new AccessDeniedError('on_behalf_of_forbidden', 'service', 'Only a service principal may act on behalf of a person');
      }
      if (!PERSON.test(onBehalfOf))
        throw new RefusedHeaderError(
          'invalid_on_behalf_of',
          'X-On-Behalf-Of',
          'X-On-Behalf-Of must be 1 to 200 letters, digits or . @ : + - / _ and spaces',
        );
      request.onBehalfOf = onBehalfOf.trim();
    }
    request.principal = principal;
    return true;
  }

  private async principalOf(request: AuthRequest): Promise<Principal> {
    if (this.options.enabled === false) return ANONYMOUS;
    try {
      if (this.options.resolvePrincipal) {
        const principal = await this.options.resolvePrincipal(request);
        if (!principal) throw new AuthenticationError('missing_credential', 'The host did not authenticate this request');
        return principal;
      }
      return await this.authenticator.authenticate(header(request, 'authorization'));
    } catch (error) {
      if (error instanceof AuthenticationError) authMetrics.failed(error.reason);
      throw error;
    }
  }
}
