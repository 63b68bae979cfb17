import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { LeadValidationError } from '@lead/domain';
import type { ValidationError } from 'class-validator';

// Bodies this pipe has validated, so the executor does not validate them a second time on the hot path.
const validatedBodies = new WeakSet<object>();

export function wasValidated(body: object): boolean {
  return validatedBodies.has(body);
}

/**
 * The HTTP validation of command bodies: the same rules the executor applies to CommandBus callers
 * (whitelist, unknown fields refused, one LeadValidationError naming every field).
 */
export class CommandValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true, exceptionFactory: (errors) => validationError(errors) });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const result = await super.transform(value, metadata);
    if (metadata.type === 'body' && typeof result === 'object' && result !== null) validatedBodies.add(result);
    return result;
  }
}

/** Turns class-validator's nested errors into one LeadValidationError naming every field. */
export function validationError(errors: ValidationError[], parent = ''): LeadValidationError {
  const problems: { field: string; message: string }[] = [];
  const walk = (list: ValidationError[], prefix: string) => {
    for (const e of list) {
      const field = prefix ? `${prefix}.${e.property}` : e.property;
      for (const message of Object.values(e.constraints ?? {})) problems.push({ field, message });
      if (e.children?.length) walk(e.children, field);
    }
  };
  walk(errors, parent);
  return new LeadValidationError(problems);
}
