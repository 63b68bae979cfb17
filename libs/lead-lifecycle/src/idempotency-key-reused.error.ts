import { LeadError } from '@lead/domain';

/** A command id (or the Idempotency-Key it stands for) came back with another request than the first time. */
export class IdempotencyKeyReusedError extends LeadError {
  readonly kind = 'rule_refused';
  readonly code = 'idempotency_key_reused';
  constructor(readonly commandId: string) {
    super(`Command ${commandId} was first sent with another request: use a new key (or command id) for a new request`);
  }
}
