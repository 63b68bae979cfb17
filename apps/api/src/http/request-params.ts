import { Param, ParseUUIDPipe } from '@nestjs/common';
import { LeadValidationError } from '@lead/domain';

/** The :id path parameter, which must be a UUID. */
export const LeadId = () =>
  Param('id', new ParseUUIDPipe({ exceptionFactory: () => LeadValidationError.of('id', 'the lead id in the path must be a UUID') }));
