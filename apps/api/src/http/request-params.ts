import { createParamDecorator, type ExecutionContext, Param, ParseUUIDPipe } from '@nestjs/common';
import { LeadValidationError } from '@lead/domain';
import type { Request } from 'express';

const ACTOR = /^[\w.@:+\-/ ]{1,200}$/;

/** The actor from the X-Actor header ("anonymous" when absent): recorded in every event's metadata. */
export const Actor = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const header = ctx.switchToHttp().getRequest<Request>().header('x-actor');
  if (header === undefined || header === '') return 'anonymous';
  if (!ACTOR.test(header)) throw LeadValidationError.of('X-Actor', 'must be 1 to 200 letters, digits or . @ : + - / _ and spaces');
  return header.trim();
});

/** The :id path parameter, which must be a UUID. */
export const LeadId = () =>
  Param('id', new ParseUUIDPipe({ exceptionFactory: () => LeadValidationError.of('id', 'the lead id in the path must be a UUID') }));
