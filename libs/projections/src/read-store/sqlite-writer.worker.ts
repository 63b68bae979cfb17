import { parentPort, workerData } from 'node:worker_threads';
import { createSqliteWriter, openWriterDatabase, type WriterMessage } from './sqlite-writer';

/** The read store's writer thread (started by workerWriter): one connection, one message at a time, each answered by id. */
const { path, synchronous } = workerData as { path: string; synchronous: string };
const writer = createSqliteWriter(openWriterDatabase(path, synchronous));

parentPort!.on('message', ({ id, message }: { id: number; message: WriterMessage }) => {
  try {
    writer.handle(message);
    parentPort!.postMessage({ id, ok: true });
  } catch (error) {
    const { name, message: text } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    parentPort!.postMessage({ id, ok: false, name, message: text });
  }
});
