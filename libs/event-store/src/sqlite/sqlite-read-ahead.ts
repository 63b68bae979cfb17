import { Worker } from 'node:worker_threads';
import { sqliteDriverPath } from './sqlite-schema';

/** A row as a read-ahead page holds it: the stored JSON of data and metadata already parsed. */
export type ParsedEventRow = [
  position: number,
  streamId: string,
  revision: number,
  eventId: string,
  type: string,
  data: unknown,
  metadata: Record<string, unknown>,
  recordedAt: number,
];

export interface ReadAheadOptions {
  readonly path: string;
  /** Exclusive: the first page starts after this position. */
  readonly after: bigint;
  /** Inclusive: the last position read, the head when the read-ahead started. */
  readonly through: bigint;
  readonly pageSize: number;
  /** Pages read and not yet taken, at most. */
  readonly depth: number;
}

type WorkerMessage = { page: string } | { end: true } | { error: string };

/**
 * Reads a stretch of the log on a worker thread of its own, for a consumer far behind the head. A
 * catch-up is bound by the thread that applies its events; this takes a third off that thread's
 * reading. SQLite steps through the rows beside it and writes each page as one JSON text (its rows'
 * stored data and metadata are JSON already), which crosses threads as a single string: the taker
 * parses one string per page where it would have made eight values per row and parsed two of them.
 * Pages come in order; the worker stays at most `depth` pages ahead of the taker.
 *
 * It is only a faster way to the same rows: when anything goes wrong (the thread fails to start or to
 * read, a page does not parse), it reports itself finished and the taker reads on directly from where
 * it was, so that the error a reader sees, if any, is the one a direct read gives.
 */
export class SqliteReadAhead {
  private readonly worker: Worker;
  private readonly pages: string[] = [];
  private ended = false;
  private failed = false;
  private wake: (() => void) | null = null;
  /** Pages taken since the worker was last told it may read more. */
  private taken = 0;
  private readonly grantEvery: number;
  /** The last position it reads, and the last one taken. */
  private readonly through: number;
  private lastTaken = -1;

  constructor(options: ReadAheadOptions) {
    this.grantEvery = Math.max(1, Math.floor(options.depth / 2));
    this.through = Number(options.through);
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      (${readAheadMain.toString()})(require(workerData.driverPath), workerData, parentPort);`;
    this.worker = new Worker(source, {
      eval: true,
      workerData: {
        path: options.path,
        driverPath: sqliteDriverPath(),
        after: options.after.toString(),
        through: options.through.toString(),
        pageSize: options.pageSize,
        depth: options.depth,
      },
    });
    this.worker.on('message', (message: WorkerMessage) => {
      if ('page' in message) this.pages.push(message.page);
      else if ('end' in message) this.ended = true;
      else this.fail();
      this.notify();
    });
    this.worker.on('error', () => this.fail());
    this.worker.on('exit', () => {
      if (!this.ended) this.fail();
    });
    this.worker.unref();
  }

  /**
   * Every event up to where it reads was taken, or reading ahead failed: read on directly. Until then
   * more events are certain to come without waiting for appends (from the thread, or after a failure
   * from a direct read), which is what lets a consumer keep waiting for them.
   */
  get finished(): boolean {
    return this.failed || this.lastTaken >= this.through || (this.ended && this.pages.length === 0);
  }

  /** The next page, in log order, if it has arrived. */
  take(): ParsedEventRow[] | null {
    if (this.failed) return null;
    const page = this.pages.shift();
    if (page === undefined) return null;
    // Pages taken may be read again, granted half the depth at a time: every message wakes the thread,
    // and a woken thread can take the core from the taker.
    if (++this.taken >= this.grantEvery) {
      this.worker.postMessage(this.taken);
      this.taken = 0;
    }
    let rows: ParsedEventRow[];
    try {
      rows = JSON.parse(page) as ParsedEventRow[];
    } catch {
      // A row whose stored JSON is damaged: the direct read names it.
      this.fail();
      return null;
    }
    // SQLite concatenates in the order the ordered subquery yields its rows, but does not promise to.
    for (let i = 1; i < rows.length; i++) {
      if (rows[i][0] <= rows[i - 1][0]) {
        rows.sort((a, b) => a[0] - b[0]);
        break;
      }
    }
    this.lastTaken = rows[rows.length - 1][0];
    return rows;
  }

  /** Resolves once a page has arrived or the read-ahead is finished. */
  arrival(): Promise<void> {
    if (this.pages.length > 0 || this.finished) return Promise.resolve();
    // Only a taker waiting for a page keeps the process alive, not a worker read ahead of an abandoned one.
    this.worker.ref();
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  close(): void {
    this.ended = true;
    this.pages.length = 0;
    void this.worker.terminate();
    this.notify();
  }

  private fail(): void {
    if (this.failed || this.finished) return;
    this.failed = true;
    this.pages.length = 0;
    void this.worker.terminate();
    this.notify();
  }

  private notify(): void {
    this.worker.unref();
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

/**
 * The worker's whole program, run from its source text (so no module of the engine is loaded there):
 * keyset pages from `after` through `through`, each posted as one JSON array of rows, `depth` pages
 * ahead of the taker.
 */
function readAheadMain(
  Driver: new (path: string, options: { readonly: boolean }) => any, // eslint-disable-line @typescript-eslint/no-explicit-any
  data: { path: string; after: string; through: string; pageSize: number; depth: number },
  port: { postMessage(message: unknown): void; on(event: 'message', listener: (credits: number) => void): void; close(): void },
): void {
  let connection: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  let db: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  let after = BigInt(data.after);
  const through = BigInt(data.through);
  let credits = data.depth;
  let done = false;
  const read = () => {
    try {
      while (!done && credits > 0) {
        const [last, count, page] = db.get(after, through, data.pageSize);
        if (count > 0) {
          credits--;
          after = BigInt(last);
          port.postMessage({ page });
        }
        if (count < data.pageSize) {
          done = true;
          port.postMessage({ end: true });
          connection.close();
          port.close();
        }
      }
    } catch (error) {
      done = true;
      port.postMessage({ error: error instanceof Error ? error.message : String(error) });
    }
  };
  try {
    connection = new Driver(data.path, { readonly: true });
    connection.pragma('busy_timeout = 5000');
    connection.pragma('cache_size = -65536');
    // A row as [position, streamId, revision, eventId, type, data, metadata, recordedAt]; data and metadata are stored JSON.
    const row =
      "'[' || position || ',' || json_quote(stream_id) || ',' || revision || ',' || json_quote(event_id) || ',' || json_quote(type) || ',' || data || ',' || metadata || ',' || recorded_at || ']'";
    db = connection
      .prepare(
        `SELECT max(position), count(*), '[' || group_concat(${row}, ',') || ']' FROM (SELECT * FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?)`,
      )
      .raw(true);
  } catch (error) {
    done = true;
    port.postMessage({ error: error instanceof Error ? error.message : String(error) });
    return;
  }
  port.on('message', (more) => {
    credits += more;
    read();
  });
  read();
}
