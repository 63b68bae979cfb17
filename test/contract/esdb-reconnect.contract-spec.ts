import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { EventStoreDBClient, jsonEvent, type JSONType } from '@eventstore/db-client';
import { EsdbEventStore, EventStoreUnavailableError, type EsdbLogger, type EventToAppend, type RecordedEvent } from '@lead/event-store';
import { esdbAvailability, startEsdbForTests, type EsdbForTests } from '../support/esdb-server';

/**
 * A TCP proxy that can be cut (live sockets destroyed, port closed) and restored on the same
 * port: a network outage, or a server restart, as the client sees it.
 */
class OutageProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async open(): Promise<void> {
    const server = createServer((downstream) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const [a, b] of [
        [downstream, upstream],
        [upstream, downstream],
      ] as const) {
        this.sockets.add(a);
        a.pipe(b);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.sockets.delete(a);
          b.destroy();
        });
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function parseSingleHost(connectionString: string): { host: string; port: number; raw: string } | null {
  const m = /^esdb:\/\/(?:[^@/]*@)?((\[[^\]]+\]|[^:/?,]+):(\d+))(?:[/?]|$)/i.exec(connectionString);
  return m ? { host: m[2].replace(/^\[|\]$/g, ''), port: Number(m[3]), raw: m[1] } : null;
}

const waitFor = async (condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> => {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

const newEvents = (count: number, phase: string): EventToAppend[] =>
  Array.from({ length: count }, (_, n) => ({ id: randomUUID(), type: 'OutageTested', data: { phase, n }, metadata: {} }));

const skipReason = esdbAvailability().skipReason;
const describeOrSkip = skipReason === undefined ? describe : describe.skip;

describeOrSkip(`EsdbEventStore across a connection outage${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let server: Exclude<EsdbForTests, { skipReason: string }>;
  let proxy: OutageProxy;
  let direct: EsdbEventStore;
  let writer: EventStoreDBClient;
  let store: EsdbEventStore;
  const messages: { level: keyof EsdbLogger; message: string }[] = [];
  const logger: EsdbLogger = {
    log: (message) => messages.push({ level: 'log', message }),
    warn: (message) => messages.push({ level: 'warn', message }),
    error: (message) => messages.push({ level: 'error', message }),
  };

  beforeAll(async () => {
    const started = await startEsdbForTests();
    if ('skipReason' in started) throw new Error(started.skipReason);
    server = started;
    const target = parseSingleHost(server.connectionString);
    if (!target) throw new Error('The outage test needs a single-node esdb://host:port connection string');
    proxy = new OutageProxy(target.host, target.port);
    await proxy.open();
    direct = new EsdbEventStore({ connectionString: server.connectionString, logger });
    writer = EventStoreDBClient.connectionString(server.connectionString);
    store = new EsdbEventStore({
      // Same settings (tls, credentials), another address: the proxy's.
      connectionString: server.connectionString.replace(target.raw, `127.0.0.1:${proxy.port}`),
      appendDeadlineMs: 2_000,
      initialBackoffMs: 50,
      maxBackoffMs: 400,
      maxRetries: 100,
      logger,
    });
  });

  afterAll(async () => {
    await store?.close();
    await direct?.close();
    await writer?.dispose();
    await proxy?.cut();
    await server?.stop();
  });

  /**
   * Writes straight to the server, past the proxy. Per-call credentials (ignored by an insecure
   * node) make client 6.2.1 use the plain Append RPC instead of BatchAppend: BatchAppend keeps its
   * pending requests in one table shared by every client of the process, so the adapter's
   * connection breaking would fail this writer's in-flight append too, and the writer's own
   * answer to it would then crash the client.
   */
  async function appendDirect(stream: string, batch: EventToAppend[]): Promise<void> {
    await writer.appendToStream(
      stream,
      batch.map((e) => jsonEvent({ id: e.id, type: e.type, data: e.data as JSONType, metadata: e.metadata })),
      { credentials: { username: 'admin', password: 'changeit' } },
    );
  }

  it('resumes the subscription from its last position, delivering every event exactly once, in order', async () => {
    const stream = `outage-${randomUUID()}`;
    const start = await direct.headPosition();
    const before = newEvents(5, 'before');
    await appendDirect(stream, before);

    const seen: RecordedEvent[] = [];
    let failure: unknown;
    const subscription = store.subscribeToAll({ fromPosition: start ?? undefined });
    const consumer = (async () => {
      try {
        for await (const e of subscription) if (e.streamId === stream) seen.push(e);
      } catch (error) {
        failure = error;
      }
    })();

    try {
      await waitFor(() => seen.length === 5, 'the events written before the outage');

      await proxy.cut();
      const during = newEvents(5, 'during');
      for (const e of during) await appendDirect(stream, [e]);

      // Closed port: the append is refused at once; it must not wait for a connection that will not come.
      const t0 = Date.now();
      const outageAppend = await store.appendToStream(`outage-writes-${randomUUID()}`, newEvents(1, 'refused')).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(outageAppend).toBeInstanceOf(EventStoreUnavailableError);
      expect(Date.now() - t0).toBeLessThan(2_000 + 1_000);

      await waitFor(() => messages.some((m) => m.level === 'warn' && /dropped/.test(m.message)), 'the drop to be logged');
      // Let a few resubscription attempts fail.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(seen).toHaveLength(5);

      await proxy.open();
      const after = newEvents(5, 'after');
      await appendDirect(stream, after);

      await waitFor(() => seen.length >= 15, 'the events written during and after the outage');
      // Anything delivered twice would show up shortly after.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(seen.map((e) => e.id)).toEqual([...before, ...during, ...after].map((e) => e.id));
      expect(new Set(seen.map((e) => e.id)).size).toBe(15);
      expect(failure).toBeUndefined();
      expect(messages.some((m) => m.level === 'log' && /resumed/.test(m.message))).toBe(true);

      // Appends through the adapter work again once the connection is back.
      await expect(store.appendToStream(stream, newEvents(1, 'recovered'))).resolves.toMatchObject({ nextExpectedRevision: 15n });
      await waitFor(() => seen.length === 16, 'an event appended through the adapter after recovery');
    } finally {
      await subscription.unsubscribe();
      await consumer;
    }
  }, 60_000);

  it('loses nothing a slow consumer had not taken yet when the connection drops', async () => {
    const stream = `outage-slow-${randomUUID()}`;
    const start = await direct.headPosition();
    const before = newEvents(50, 'before');
    await appendDirect(stream, before);

    const subscription = store.subscribeToAll({ fromPosition: start ?? undefined });
    const iterator = subscription[Symbol.asyncIterator]();
    const seen: RecordedEvent[] = [];
    const take = async (count: number) => {
      while (seen.length < count) {
        const next = await iterator.next();
        if (next.done) throw new Error('the subscription ended');
        if (next.value.streamId === stream) seen.push(next.value);
      }
    };
    try {
      await take(10);
      // The client reads ahead into its buffer while the consumer is idle; those records die with the connection.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await proxy.cut();
      const during = newEvents(10, 'during');
      for (const e of during) await appendDirect(stream, [e]);
      setTimeout(() => void proxy.open(), 300);
      await take(60);
      expect(seen.map((e) => e.id)).toEqual([...before, ...during].map((e) => e.id));
      expect(seen.map((e) => e.revision)).toEqual(Array.from({ length: 60 }, (_, i) => BigInt(i)));
    } finally {
      await subscription.unsubscribe();
    }
  }, 60_000);
});
