import { Binary, Long, ObjectId, type Document } from 'bson';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Cursors, handlerFor, type CommandContext } from './commands';
import { CommandError, RETRYABLE_CODES, TRANSIENT, noSuchTransaction } from './errors';
import { FailPoints } from './fail-points';
import { Storage, type Scope, type Transaction } from './storage';
import { MessageReader, encodeReply, parseMessage, type WireRequest } from './wire';

export interface MongoDouble {
  /** mongodb://127.0.0.1:<port>/<database>?replicaSet=rs0 (no replicaSet when standalone) */
  url(database?: string): string;
  readonly port: number;
  /** Client connections open now (a test can see that a client was closed). */
  openConnections(): number;
  stop(): Promise<void>;
}

const SET_NAME = 'rs0';
/** MongoDB 7.0. */
const MAX_WIRE_VERSION = 21;

interface SessionState {
  txnNumber: number;
  transaction?: Transaction;
}

/**
 * Starts a single-node "replica set" on 127.0.0.1 and a random port (or the one given); with
 * `standalone: true`, a standalone server instead, which refuses transactions as mongod does.
 */
export async function startMongoDouble(options: { port?: number; standalone?: boolean } = {}): Promise<MongoDouble> {
  const standalone = options.standalone === true;
  const storage = new Storage();
  const cursors = new Cursors();
  const failPoints = new FailPoints();
  const sessions = new Map<string, SessionState>();
  const sockets = new Set<Socket>();
  const electionId = new ObjectId('7fffffff0000000000000001');
  let nextConnectionId = 1;
  let nextRequestId = 1;
  let address = '';

  const hello = (connectionId: number) => (): Document => ({
    helloOk: true,
    isWritablePrimary: true,
    ismaster: true,
    ...(standalone
      ? {}
      : { setName: SET_NAME, setVersion: 1, electionId, hosts: [address], primary: address, me: address, secondary: false }),
    maxBsonObjectSize: 16 * 1024 * 1024,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  });

  function sessionOf(command: Document): SessionState | undefined {
    const id = command.lsid?.id;
    if (!(id instanceof Binary)) return undefined;
    const key = Buffer.from(id.buffer).toString('hex');
    let state = sessions.get(key);
    if (!state) sessions.set(key, (state = { txnNumber: -1 }));
    return state;
  }

  /** The scope of a command, starting, continuing, committing or aborting the session's transaction. */
  function scopeOf(name: string, command: Document): { scope: Scope; done?: Document } {
    if (standalone && command.txnNumber !== undefined)
      throw new CommandError(20, 'IllegalOperation', 'Transaction numbers are only allowed on a replica set member or mongos');
    if (command.autocommit !== false) return { scope: storage.autocommit() };
    const session = sessionOf(command);
    if (!session) throw new CommandError(50768, 'InvalidOptions', 'a transaction needs a session (lsid)');
    const txnNumber = command.txnNumber instanceof Long ? command.txnNumber.toNumber() : Number(command.txnNumber);
    if (txnNumber < session.txnNumber)
      throw new CommandError(
        225,
        'TransactionTooOld',
        `txnNumber ${txnNumber} is less than last txnNumber ${session.txnNumber} seen in this session`,
      );
    const current = session.transaction?.txnNumber === txnNumber ? session.transaction : undefined;
    if (name === 'commitTransaction') {
      if (current?.state === 'committed') return { scope: storage.autocommit(), done: { ok: 1 } };
      if (current?.state !== 'active') throw noSuchTransaction(txnNumber);
      storage.commit(current);
      return { scope: storage.autocommit(), done: { ok: 1 } };
    }
    if (name === 'abortTransaction') {
      if (current?.state !== 'active') throw noSuchTransaction(txnNumber);
      storage.abort(current);
      return { scope: storage.autocommit(), done: { ok: 1 } };
    }
    if (command.startTransaction === true) {
      if (current)
        throw new CommandError(256, 'TransactionCommitted', `Transaction with { txnNumber: ${txnNumber} } has already been started.`);
      if (session.transaction) storage.abort(session.transaction);
      session.txnNumber = txnNumber;
      session.transaction = storage.begin(Buffer.from(command.lsid.id.buffer).toString('hex'), txnNumber);
      return { scope: storage.inTransaction(session.transaction) };
    }
    if (current?.state !== 'active') throw noSuchTransaction(txnNumber);
    return { scope: storage.inTransaction(current) };
  }

  function errorReply(error: unknown, name: string, command: Document, labels?: string[]): Document {
    const known =
      error instanceof CommandError ? error : new CommandError(1, 'InternalError', error instanceof Error ? error.message : String(error));
    const errorLabels = labels ?? known.errorLabels ?? defaultLabels(known.code, name, command);
    return {
      ok: 0,
      errmsg: known.message,
      code: known.code,
      codeName: known.codeName,
      ...known.extra,
      ...(errorLabels.length ? { errorLabels } : {}),
    };
  }

  async function execute(request: WireRequest, connection: Connection): Promise<Document | 'close'> {
    const command = request.command;
    const name = Object.keys(command)[0];
    if (name === 'hello' || name.toLowerCase() === 'ismaster') connection.appName ??= command.client?.application?.name;
    const failure = failPoints.trigger(name, connection.appName);
    if (failure?.blockConnection) await new Promise((resolve) => setTimeout(resolve, failure.blockTimeMS ?? 0));
    if (failure?.closeConnection) return 'close';
    if (failure?.errorCode !== undefined) {
      const error = new CommandError(failure.errorCode, 'FailPoint', "Failing command via 'failCommand' failpoint");
      abortOnError(command);
      return errorReply(error, name, command, failure.errorLabels);
    }
    if (name === 'endSessions') {
      for (const lsid of (command.endSessions as Document[]) ?? []) {
        const state = sessionOf({ lsid });
        if (state?.transaction) storage.abort(state.transaction);
      }
    }
    let scope: Scope | undefined;
    try {
      const resolved = scopeOf(name, command);
      scope = resolved.scope;
      if (resolved.done) return resolved.done;
      const context: CommandContext = { db: command.$db ?? 'test', scope, storage, cursors, failPoints, hello: hello(connection.id) };
      const reply = await handlerFor(name)(command, context);
      scope.flush();
      // A write error inside a transaction aborts it, as on the server.
      if (scope.transaction && Array.isArray(reply.writeErrors)) storage.abort(scope.transaction);
      return failure?.writeConcernError ? { ...reply, writeConcernError: failure.writeConcernError } : reply;
    } catch (error) {
      scope?.flush();
      if (scope?.transaction) storage.abort(scope.transaction);
      else abortOnError(command);
      return errorReply(error, name, command);
    }
  }

  /** A failed command inside a transaction aborts it (not a failed commit or abort, which the driver retries). */
  function abortOnError(command: Document): void {
    const name = Object.keys(command)[0];
    if (command.autocommit !== false || name === 'commitTransaction' || name === 'abortTransaction') return;
    const session = sessionOf(command);
    if (session?.transaction && command.startTransaction !== true) storage.abort(session.transaction);
  }

  interface Connection {
    readonly id: number;
    appName?: string;
  }

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const reader = new MessageReader();
    const connection: Connection = { id: nextConnectionId++ };
    let queue = Promise.resolve();
    socket.on('data', (chunk) => {
      let messages: Buffer[];
      try {
        messages = reader.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const message of messages) {
        queue = queue.then(async () => {
          if (socket.destroyed) return;
          const request = parseMessage(message);
          const reply = await execute(request, connection);
          if (reply === 'close') socket.destroy();
          else if (!request.noReply && !socket.destroyed) socket.write(encodeReply(request, nextRequestId++, reply));
        });
        queue = queue.catch(() => {
          socket.destroy();
        });
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  address = `127.0.0.1:${port}`;

  return {
    port,
    openConnections: () => sockets.size,
    url: (database = '') => `mongodb://${address}/${encodeURIComponent(database)}${standalone ? '' : `?replicaSet=${SET_NAME}`}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The labels the server adds by itself when a fail point or an error gives none. */
function defaultLabels(code: number, name: string, command: Document): string[] {
  const inTransaction = command.autocommit === false && name !== 'commitTransaction' && name !== 'abortTransaction';
  if (inTransaction && (code === 112 || code === 251 || RETRYABLE_CODES.has(code))) return [TRANSIENT];
  const retryableWrite = command.txnNumber !== undefined || name === 'commitTransaction' || name === 'abortTransaction';
  if (retryableWrite && RETRYABLE_CODES.has(code)) return ['RetryableWriteError'];
  return [];
}
