import type { Document } from 'bson';

/** A server error as MongoDB reports it: `{ ok: 0, code, codeName, errmsg, errorLabels }` plus any extra fields. */
export class CommandError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
    readonly extra: Document = {},
    readonly errorLabels?: string[],
  ) {
    super(message);
  }
}

export const TRANSIENT = 'TransientTransactionError';

export const writeConflict = () =>
  new CommandError(
    112,
    'WriteConflict',
    'Caused by :: Write conflict during plan execution and yielding is disabled. :: Please retry your operation or multi-document transaction.',
    {},
    [TRANSIENT],
  );

export const noSuchTransaction = (txnNumber: number) =>
  new CommandError(251, 'NoSuchTransaction', `Transaction with { txnNumber: ${txnNumber} } has been aborted.`, {}, [TRANSIENT]);

export const namespaceNotFound = (ns: string) => new CommandError(26, 'NamespaceNotFound', `ns does not exist: ${ns}`);

export const badValue = (message: string) => new CommandError(2, 'BadValue', message);

export const failedToParse = (message: string) => new CommandError(9, 'FailedToParse', message);

/** Codes the server labels as retryable (RetryableWriteError) or, inside a transaction, transient. */
export const RETRYABLE_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);
