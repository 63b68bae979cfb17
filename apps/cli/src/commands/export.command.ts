import type { Command } from 'commander';
import { EVENT_STORE, comparePositions, formatPosition, type EventStore, type Position, type RecordedEvent } from '@lead/event-store';
import { ProjectionsModule, READ_MODEL_PROJECTIONS, READ_STORE, type ReadStore } from '@lead/projections';
import { createWriteStream } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { withEngine } from '../cli.context';
import { fail } from '../output';

const PAGE = 2000;

/**
 * Contact details an export leaves out with --no-personal-data: the contact of a capture or a
 * correction and the decision maker's name. Free-text notes and reasons stay (they are business
 * facts); the erasure of a lead is applied by the store's decorator before events reach here.
 */
const PERSONAL_EVENT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  LeadCaptured: ['contact'],
  ContactDetailsCorrected: ['contact'],
  DecisionMakerReached: ['name'],
};
const PERSONAL_DOC_FIELDS = ['name', 'email', 'phone', 'contact', 'contactName', 'contactEmail', 'contactPhone'];

const withoutPersonalData = (e: RecordedEvent): unknown => {
  const drop = PERSONAL_EVENT_FIELDS[e.type];
  if (!drop || typeof e.data !== 'object' || e.data === null) return e.data;
  return Object.fromEntries(Object.entries(e.data).filter(([k]) => !drop.includes(k)));
};

/** `export events` and `export read-model`: the history and the read models as files for other tools. */
export function registerExport(program: Command): void {
  const exportCommand = program.command('export').description('export events (JSONL) or a read model (CSV, JSONL)');

  exportCommand
    .command('events')
    .description('events whose business time (occurredAt) is in [from, to), in log order, one JSON object a line')
    .option('--from <time>', 'ISO 8601, inclusive (default: the beginning)')
    .option('--to <time>', 'ISO 8601, exclusive (default: no end)')
    .option('--type <types>', 'only these event types, comma-separated (e.g. LeadCaptured,SaleWon)')
    .option('--out <file>', 'write to a file instead of standard output')
    .option('--no-personal-data', 'leave contact details out (names, e-mail addresses, phone numbers)')
    .action(async (opts: { from?: string; to?: string; type?: string; out?: string; personalData: boolean }) => {
      const from = opts.from === undefined ? -Infinity : Date.parse(opts.from);
      const to = opts.to === undefined ? Infinity : Date.parse(opts.to);
      if (Number.isNaN(from)) fail(`--from: "${opts.from}" is not a date (ISO 8601)`);
      if (Number.isNaN(to)) fail(`--to: "${opts.to}" is not a date (ISO 8601)`);
      if (!(from < to)) fail('--from must be before --to');
      const types = opts.type ? new Set(opts.type.split(',').map((t) => t.trim())) : undefined;
      await withEngine(async (engine) => {
        const store = engine.get<EventStore>(EVENT_STORE);
        const out = output(opts.out);
        let written = 0;
        for await (const e of allEvents(store)) {
          const occurredAt = String(e.metadata.occurredAt ?? e.recordedAt.toISOString());
          const t = Date.parse(occurredAt);
          if (t < from || t >= to || (types && !types.has(e.type))) continue;
          const line = {
            id: e.id,
            streamId: e.streamId,
            type: e.type,
            revision: e.revision.toString(),
            position: formatPosition(e.position),
            recordedAt: e.recordedAt.toISOString(),
            occurredAt,
            data: opts.personalData ? e.data : withoutPersonalData(e),
            metadata: e.metadata,
          };
          if (!out.write(`${JSON.stringify(line)}\n`)) await new Promise((r) => out.once('drain', r));
          written++;
        }
        await close(out);
        if (opts.out) console.error(`${written} events written to ${opts.out}`);
      });
    });

  exportCommand
    .command('read-model')
    .description('every document of a read-model collection, as CSV (nested values as JSON) or JSONL')
    .argument('<name>', 'collection name (see the error message for the list)')
    .option('-f, --format <format>', 'csv or jsonl', 'csv')
    .option('--out <file>', 'write to a file instead of standard output')
    .option('--no-personal-data', 'leave contact details out (names, e-mail addresses, phone numbers)')
    .action(async (name: string, opts: { format: string; out?: string; personalData: boolean }) => {
      if (!['csv', 'jsonl'].includes(opts.format)) fail('--format must be csv or jsonl');
      const collections = READ_MODEL_PROJECTIONS.flatMap((p) => p.collections.map((c) => c.name));
      if (!collections.includes(name)) fail(`unknown read model "${name}" (known: ${collections.join(', ')})`);
      await withEngine(
        async (engine) => {
          const readStore = engine.get<ReadStore>(READ_STORE);
          // Opens the collections (a store never built reads as empty).
          await readStore.ensureCollections(READ_MODEL_PROJECTIONS.flatMap((p) => p.collections));
          const docs = (await readStore.find(name)).map((d) =>
            opts.personalData ? d : Object.fromEntries(Object.entries(d).filter(([k]) => !PERSONAL_DOC_FIELDS.includes(k))),
          );
          const out = output(opts.out);
          if (opts.format === 'jsonl') for (const d of docs) out.write(`${JSON.stringify(d)}\n`);
          else {
            const header = [...new Set(docs.flatMap((d) => Object.keys(d)))];
            const cell = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
            out.write(stringify([header, ...docs.map((d) => header.map((h) => cell(d[h])))]));
          }
          await close(out);
          if (opts.out) console.error(`${docs.length} documents written to ${opts.out}`);
        },
        { imports: [ProjectionsModule.forRoot({ autoStart: false })] },
      );
    });
}

function output(file: string | undefined): NodeJS.WritableStream {
  return file ? createWriteStream(file) : process.stdout;
}

const close = (out: NodeJS.WritableStream): Promise<void> =>
  out === process.stdout ? Promise.resolve() : new Promise((resolve, reject) => out.end(() => resolve()).on('error', reject));

/** The whole log through the port (so erasure applies), a page at a time. */
async function* allEvents(store: EventStore): AsyncGenerator<RecordedEvent> {
  const head = await store.headPosition();
  let from: Position | undefined;
  let lastId: string | undefined;
  for (;;) {
    const page = await store.readAll({ ...(from ? { fromPosition: from } : {}), maxCount: PAGE + 1 });
    const fresh = page.filter((e, i) => !(i === 0 && e.id === lastId)); // forwards reads are inclusive
    yield* fresh;
    const last = page.at(-1);
    if (!last || fresh.length === 0 || page.length <= PAGE || (head && comparePositions(last.position, head) >= 0)) return;
    from = last.position;
    lastId = last.id;
  }
}
