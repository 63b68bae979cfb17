import { SetMetadata, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { LeadValidationError } from '@lead/domain';
import { deterministicUuid } from '@lead/lifecycle';
import type { Request } from 'express';
import { createHash } from 'node:crypto';
import type { Observable } from 'rxjs';

/** Any printable ASCII string of 1 to 200 characters, as payment APIs accept it. */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,200}$/;

const LEAD_COMMANDS = Symbol('lead-commands');
/** Marks a controller whose POSTs are lead commands (bodies extend CommandOptions). */
export const LeadCommands = () => SetMetadata(LEAD_COMMANDS, true);

interface PrincipalLike {
  kind: string;
  id: string;
}

/** JSON with keys sorted at every level, so that the same request hashes the same however its keys are ordered. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The Idempotency-Key header on every command. On lead commands it becomes the command id: a UUID derived
 * from the principal and the key (two principals using the same key never meet), and the hash of the
 * canonical request (method, path, body without commandId) goes along to be recorded with the events, so a
 * retry with the same key and another body is refused instead of answered with the first result.
 */
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    if (req.method === 'GET' || req.method === 'HEAD') return next.handle();
    const key = req.header('idempotency-key');
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw LeadValidationError.of('Idempotency-Key', 'must be 1 to 200 printable ASCII characters');
    }
    if (!this.reflector.get<boolean>(LEAD_COMMANDS, context.getClass())) return next.handle();

    const body = req.body as Record<string, unknown> | undefined;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return next.handle(); // the validation pipe refuses it
    if (body.requestHash !== undefined) throw LeadValidationError.of('requestHash', 'is set by the server, not the client');
    const { commandId: bodyCommandId, ...rest } = body;
    if (key !== undefined) {
      const principal = (req as { principal?: PrincipalLike }).principal;
      const commandId = deterministicUuid(`idempotency-key:${principal ? `${principal.kind}:${principal.id}` : 'anonymous'}:${key}`);
      if (bodyCommandId !== undefined && bodyCommandId !== commandId) {
        throw LeadValidationError.of('commandId', 'differs from the Idempotency-Key header: send one of the two');
      }
      body.commandId = commandId;
    }
    if (body.commandId !== undefined) {
      body.requestHash = createHash('sha256')
        .update(`${req.method} ${req.path}\n${canonical(rest)}`)
        .digest('hex');
    }
    return next.handle();
  }
}
