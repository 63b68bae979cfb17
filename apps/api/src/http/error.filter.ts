import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import {
  LeadConcurrencyError,
  LeadError,
  LeadNotFoundError,
  LeadRuleRefusedError,
  LeadValidationError,
  UnreadableEventError,
} from '@lead/domain';
import {
  AccessDeniedError,
  ApiKeyNameTakenError,
  ApiKeyNotFoundError,
  ApiKeyValidationError,
  AuthenticationError,
  RefusedHeaderError,
} from '@lead/auth';
import { EventStoreUnavailableError } from '@lead/event-store';
import { DuplicateLeadError } from '@lead/lifecycle';
import type { Response } from 'express';

/** Every error body has a stable `code` and a message a person can act on. */
export interface ErrorBody {
  code: string;
  message: string;
  [detail: string]: unknown;
}

const STATUS: Record<LeadError['kind'], number> = {
  validation: HttpStatus.BAD_REQUEST,
  not_found: HttpStatus.NOT_FOUND,
  concurrency: HttpStatus.CONFLICT,
  rule_refused: HttpStatus.UNPROCESSABLE_ENTITY,
};

/** The one place where the error taxonomy becomes HTTP. */
export function toHttpError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof LeadError) {
    const body: ErrorBody = { code: error.code, message: error.message };
    if (error instanceof LeadValidationError) body.errors = error.problems;
    if (error instanceof LeadRuleRefusedError) body.rule = error.rule;
    if (error instanceof DuplicateLeadError) body.existingLeadId = error.existingLeadId;
    if (error instanceof LeadConcurrencyError)
      Object.assign(body, {
        expectedRevision: Number(error.expectedRevision),
        currentRevision: error.currentRevision === null ? null : Number(error.currentRevision),
      });
    if (error instanceof LeadNotFoundError) body.leadId = error.leadId;
    return { status: STATUS[error.kind], body };
  }
  const auth = authError(error);
  if (auth) return auth;
  if (error instanceof EventStoreUnavailableError) {
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      body: { code: 'event_store_unavailable', message: `${error.message}; nothing was written, retry with the same commandId` },
    };
  }
  if (error instanceof UnreadableEventError) {
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { code: 'unreadable_event', message: error.message } };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? error.message);
    const code = status === 413 ? 'payload_too_large' : status === 404 ? 'not_found' : status === 400 ? 'bad_request' : `http_${status}`;
    return { status, body: { code, message: Array.isArray(message) ? message.join('; ') : message } };
  }
  // body-parser errors other than malformed JSON (which Nest wraps) arrive as plain errors with a status.
  const status = (error as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = status === 413 ? 'payload_too_large' : 'bad_request';
    return { status, body: { code, message: (error as Error).message } };
  }
  return { status: 500, body: { code: 'internal_error', message: 'Unexpected error; it has been logged' } };
}

function authError(error: unknown): { status: number; body: ErrorBody } | undefined {
  if (error instanceof AuthenticationError)
    return { status: HttpStatus.UNAUTHORIZED, body: { code: 'unauthenticated', message: error.message } };
  if (error instanceof AccessDeniedError)
    return { status: HttpStatus.FORBIDDEN, body: { code: error.code, required: error.required, message: error.message } };
  if (error instanceof RefusedHeaderError)
    return { status: HttpStatus.BAD_REQUEST, body: { code: error.code, header: error.header, message: error.message } };
  if (error instanceof ApiKeyValidationError)
    return {
      status: HttpStatus.BAD_REQUEST,
      body: { code: 'validation_failed', message: error.message, errors: [{ field: error.field, message: error.message }] },
    };
  if (error instanceof ApiKeyNameTakenError)
    return { status: HttpStatus.CONFLICT, body: { code: 'api_key_name_taken', name: error.keyName, message: error.message } };
  if (error instanceof ApiKeyNotFoundError)
    return { status: HttpStatus.NOT_FOUND, body: { code: 'api_key_not_found', name: error.keyName, message: error.message } };
  return undefined;
}

@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(error: unknown, host: ArgumentsHost): void {
    const { status, body } = toHttpError(error);
    if (status >= 500) this.logger.error(error instanceof Error ? error.stack : String(error));
    host.switchToHttp().getResponse<Response>().status(status).json(body);
  }
}
