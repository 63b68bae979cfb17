/**
 * Every `code` an error body of the HTTP API can carry; README lists the same set. Clients may switch on
 * these; a new refusal gets a new entry here and in README.
 */
export const ERROR_CODES = [
  'validation_failed',
  'bad_request',
  'payload_too_large',
  'unsupported_media_type',
  'idempotency_key_reused',
  'rate_limited',
  'not_found',
  'lead_not_found',
  'wrong_expected_revision',
  'rule_refused',
  'service_unavailable',
  'event_store_unavailable',
  'internal_error',
  // Authentication and roles (refused before any handler runs).
  'unauthenticated',
  'forbidden',
  'on_behalf_of_forbidden',
  'invalid_on_behalf_of',
  'actor_header_not_accepted',
  // Key management.
  'api_key_name_taken',
  'api_key_not_found',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
