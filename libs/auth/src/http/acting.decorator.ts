import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { AuthenticationError } from '../auth.errors';
import { actorOf, type Principal } from '../principal';

/** Who a command is recorded as: the authenticated principal, and the person a service acts for. */
export interface Acting {
  principal: Principal;
  actor: string;
  actorKind: Principal['kind'];
  onBehalfOf?: string;
}

export const actingOf = (principal: Principal, onBehalfOf?: string): Acting => ({
  principal,
  actor: actorOf(principal),
  actorKind: principal.kind,
  ...(onBehalfOf ? { onBehalfOf } : {}),
});

/** The principal the AuthGuard put on the request; never a client header. */
export const Actor = createParamDecorator((_: unknown, ctx: ExecutionContext): Acting => {
  const request = ctx.switchToHttp().getRequest<{ principal?: Principal; onBehalfOf?: string }>();
  if (!request.principal) throw new AuthenticationError('missing_credential', 'No authenticated principal on this request');
  return actingOf(request.principal, request.onBehalfOf);
});
