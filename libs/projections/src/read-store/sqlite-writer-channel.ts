import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import { createSqliteWriter, type WriterMessage, type WriterSpec } from './sqlite-writer';

/** Where the read store's writes run: on the calling thread, or on a writer thread of their own. */
export interface WriterChannel {
  call(message: WriterMessage): Promise<void>;
  close(): Promise<void>;
}

export function inlineWriter(db: Database): WriterChannel {
  const writer = createSqliteWriter(db);
  return {
    async call(message) {
      writer.handle(message);
    },
    async close() {},
  };
}

/**
 * The worker's entry: its compiled JavaScript beside this file, or, when the engine runs from its
 * TypeScript sources (tests, ts-node), the TypeScript entry compiled in the thread by ts-node.
 */
function writerWorker(workerData: { path: string; synchronous: string }): Worker {
  if (__filename.endsWith('.ts')) {
    return new Worker(join(__dirname, 'sqlite-writer.worker.ts'), {
      workerData,
      execArgv: ['--require', require.resolve('ts-node/register/transpile-only')],
    });
  }
  return new Worker(join(__dirname, 'sqlite-writer.worker.js'), { workerData });
}

/** A writer thread with its own connection: SQLite commits one batch while the projections prepare the next. */
export function workerWriter(path: string, synchronous: string): WriterChannel {
  let worker: Worker | null = null;
  let nextId = 0;
  const inFlight = new Set<Promise<void>>();
  const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  /** Tables the writer knows, replayed to a worker started after one died. */
  const known = new Map<string, WriterSpec>();

  const failAll = (error: Error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  const start = (): Worker => {
    const started = writerWorker({ path, synchronous });
    started.on('message', ({ id, ok, name, message }: { id: number; ok: boolean; name?: string; message?: string }) => {
      const call = pending.get(id);
      if (!call) return;
      pending.delete(id);
      if (pending.size === 0) started.unref();
      if (ok) call.resolve();
      else call.reject(Object.assign(new Error(message ?? 'read store write failed'), { name: name ?? 'Error' }));
    });
    started.on('error', (error) => {
      worker = null;
      failAll(error);
    });
    started.on('exit', (code) => {
      if (worker === started) worker = null;
      failAll(new Error(`The read store writer thread exited (code ${code})`));
    });
    started.unref();
    if (known.size > 0) started.postMessage({ id: -1, message: { op: 'register', specs: [...known.values()] } });
    return started;
  };

  return {
    call(message) {
      if (message.op === 'ensure' || message.op === 'reset' || message.op === 'register')
        for (const spec of message.specs) known.set(spec.name, spec);
      worker ??= start();
      const id = nextId++;
      const target = worker;
      const call = new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        // Kept alive only while a write is in flight.
        target.ref();
        target.postMessage({ id, message });
      });
      inFlight.add(call);
      const settle = () => inFlight.delete(call);
      call.then(settle, settle);
      return call;
    },
    async close() {
      await Promise.allSettled([...inFlight]);
      const current = worker;
      worker = null;
      if (current) await current.terminate();
    },
  };
}
