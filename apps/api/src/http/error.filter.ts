import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { LeadConcurrencyError, LeadError, LeadNotFoundError, LeadRuleRefusedError, LeadValidationError } from '@lead/domain';
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
import { randomUUID } from 'node:crypto';
import type { ErrorCode } from './error-codes';

/** Every error body has a stable `code` (one of ERROR_CODES) and a message a person can act on. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  [detail: string]: unknown;
}

const STATUS: Record<LeadError['kind'], number> = {
  validation: HttpStatus.BAD_REQUEST,
  not_found: HttpStatus.NOT_FOUND,
  concurrency: HttpStatus.CONFLICT,
  rule_refused: HttpStatus.UNPROCESSABLE_ENTITY,
};

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'service_unavailable',
};

/** Codes for refusals that carry no code of their own (Nest's built-ins, body-parser). */
const codeOf = (status: number): ErrorCode => CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');

/** The one place where the error taxonomy becomes HTTP. */
export function toHttpError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof LeadError) {
    const body: ErrorBody = { code: error.code as ErrorCode, message: error.message };
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
      body: {
        code: 'event_store_unavailable',
        message: 'The event store does not answer; nothing was written, retry with the same commandId',
      },
    };
  }
  if (error instanceof ThrottlerException) {
    return {
      status: HttpStatus.TOO_MANY_REQUESTS,
      body: { code: 'rate_limited', message: 'Too many requests: retry after Retry-After seconds' },
    };
  }
  // Nest's built-ins and the deliberate refusals of the controllers (404, 503 of a lagging read model): their
  // messages are written for the client. Any other 5xx is internal.
  if (error instanceof HttpException && (error.getStatus() < 500 || error.getStatus() === 503)) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? error.message);
    return { status, body: { code: codeOf(status), message: Array.isArray(message) ? message.join('; ') : message } };
  }
  // body-parser's errors (http-errors): their message is meant for the client only when `expose` says so.
  const { status, expose } = (error ?? {}) as { status?: unknown; expose?: unknown };
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = expose === true ? (error as Error).message : 'The request was refused';
    return { status, body: { code: codeOf(status), message } };
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
    const answer = toHttpError(error);
    if (answer.status >= 500) {
      // The body says only that it failed and under which id; the log line says why (class, code, message),
      // never the request's body.
      const requestId = randomUUID();
      answer.body.requestId = requestId;
      const { name, message, code } = (error ?? {}) as { name?: string; message?: string; code?: unknown };
      this.logger.error(
        `${answer.body.code} requestId=${requestId} ${name ?? typeof error}${code ? ` [${String(code)}]` : ''}: ${message ?? String(error)}`,
      );
    }
    host.switchToHttp().getResponse<Response>().status(answer.status).json(answer.body);
  }
}
