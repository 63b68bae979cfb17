import type { Position } from '@lead/event-store';
import type { CollectionSpec, Doc, DocUpdate, FieldFilter, ReadStore } from '@lead/projections';

export interface ReadStoreCase {
  open(): Promise<{ store: ReadStore; teardown(): Promise<void> }>;
  /** Set when the store cannot run here: the suite is skipped with this reason in its name. */
  skipReason?: string;
}

const PEOPLE: CollectionSpec = {
  name: 'contract_people',
  fields: { team: 'text', score: 'number', joined: 'text' },
  indexes: [
    [['score', -1]],
    [
      ['team', 1],
      ['score', -1],
    ],
    [['joined', 1]],
  ],
};
const COUNTERS: CollectionSpec = { name: 'contract_counters', fields: { day: 'text' }, indexes: [[['day', 1]]] };
const OTHER: CollectionSpec = { name: 'contract_other', fields: {}, indexes: [] };

const p = (n: number): Position => ({ commit: BigInt(n), prepare: BigInt(n) });
const checkpoint = (n: number | null, version = 1) => ({
  position: n === null ? null : p(n),
  recordedAt: n === null ? null : 1_700_000_000_000 + n,
  version,
});

const people: [string, Doc][] = [
  ['p01', { name: 'Ana', team: 'red', score: 90, joined: '2024-01-05' }],
  ['p02', { name: 'Bogdan', team: 'red', score: 50, joined: '2024-02-01' }],
  ['p03', { name: 'Carmen', team: 'blue', score: 90, joined: '2024-01-20' }],
  ['p04', { name: 'Dan', team: 'blue', score: null, joined: '2024-03-01' }],
  ['p05', { name: 'Elena', team: null, score: 10, joined: '2024-01-01' }],
  ['p06', { name: 'Florin', team: 'red', score: null, joined: '2024-02-15' }],
  ['p07', { name: 'Gabi', team: 'blue', score: 50, joined: '2024-04-01', tags: ['x'], nested: { a: { b: 1 } } }],
];

/**
 * What every ReadStore adapter must do: projections run unchanged on any of them. The MongoDB half
 * runs when MONGODB_URL names a replica set; otherwise it is skipped with the reason in its name.
 */
export function describeReadStoreContract(name: string, storeCase: ReadStoreCase): void {
  if (storeCase.skipReason) {
    console.warn(`Skipping the "${name}" read store contract: ${storeCase.skipReason}`);
    describe.skip(`${name} (skipped: ${storeCase.skipReason})`, () => it('runs the read store contract', () => undefined));
    return;
  }

  describe(`${name} read store contract`, () => {
    let store: ReadStore;
    let teardown: () => Promise<void>;

    beforeEach(async () => {
      ({ store, teardown } = await storeCase.open());
      for (const spec of [PEOPLE, COUNTERS, OTHER]) await store.reset(`projection_${spec.name}`, 1, [spec]);
      await store.commit([
        {
          projection: 'people',
          ops: people.map(([key, doc]) => ({ op: 'put' as const, collection: PEOPLE.name, key, doc })),
          checkpoint: checkpoint(7),
        },
      ]);
    });
    afterEach(async () => teardown());

    it('puts, gets and deletes documents, whole', async () => {
      expect(await store.get(PEOPLE.name, 'p07')).toEqual(people[6][1]);
      expect(await store.get(PEOPLE.name, 'nobody')).toBeNull();
      const many = await store.getMany(PEOPLE.name, ['p01', 'p03', 'nobody']);
      expect([...many.keys()].sort()).toEqual(['p01', 'p03']);
      expect(many.get('p03')).toEqual(people[2][1]);
      expect((await store.getMany(PEOPLE.name, [])).size).toBe(0);

      await store.commit([
        {
          projection: 'people',
          ops: [
            { op: 'put', collection: PEOPLE.name, key: 'p01', doc: { name: 'Ana', team: 'blue', score: 95, joined: '2024-01-05' } },
            { op: 'delete', collection: PEOPLE.name, key: 'p02' },
            { op: 'delete', collection: PEOPLE.name, key: 'nobody' },
          ],
          checkpoint: checkpoint(8),
        },
      ]);
      expect(await store.get(PEOPLE.name, 'p01')).toEqual({ name: 'Ana', team: 'blue', score: 95, joined: '2024-01-05' });
      expect(await store.get(PEOPLE.name, 'p02')).toBeNull();
      // Indexed fields follow a replaced document.
      expect(
        (await store.find(PEOPLE.name, { filter: { team: 'blue' }, sort: { field: 'score', direction: -1 } })).map((d) => d.name),
      ).toEqual(['Ana', 'Carmen', 'Gabi', 'Dan']);
    });

    it('updates blindly: increments, dotted set and unset, upsert only when asked', async () => {
      await store.commit([
        {
          projection: 'counters',
          ops: [
            {
              op: 'update',
              collection: COUNTERS.name,
              key: 'd1',
              update: { inc: { captured: 2, 'byReason.spam': 1 }, upsert: { day: '2025-01-01', dim: 'all' } },
            },
            {
              op: 'update',
              collection: COUNTERS.name,
              key: 'd1',
              update: { inc: { captured: 1, 'byReason.spam': 2, 'byReason.other': 1 }, upsert: { day: '2025-01-01', dim: 'all' } },
            },
            { op: 'update', collection: COUNTERS.name, key: 'absent', update: { inc: { captured: 1 } } },
            {
              op: 'update',
              collection: PEOPLE.name,
              key: 'p07',
              update: { set: { 'nested.a.c': 2, team: 'red' }, unset: ['nested.a.b', 'tags', 'not.there'] },
            },
          ],
          checkpoint: checkpoint(9),
        },
      ]);
      expect(await store.get(COUNTERS.name, 'd1')).toEqual({ day: '2025-01-01', dim: 'all', captured: 3, byReason: { spam: 3, other: 1 } });
      expect(await store.get(COUNTERS.name, 'absent')).toBeNull();
      expect(await store.get(PEOPLE.name, 'p07')).toEqual({
        name: 'Gabi',
        team: 'red',
        score: 50,
        joined: '2024-04-01',
        nested: { a: { c: 2 } },
      });
      expect((await store.find(PEOPLE.name, { filter: { team: 'red' } })).map((d) => d.name)).toEqual(['Ana', 'Bogdan', 'Florin', 'Gabi']);
    });

    it('creates a document from an upsert with the update applied and indexed, and updates it in later commits', async () => {
      const count = (ops: { key: string; update: DocUpdate }[], at: number) =>
        store.commit([
          {
            projection: 'counters',
            ops: ops.map(({ key, update }) => ({ op: 'update' as const, collection: COUNTERS.name, key, update })),
            checkpoint: checkpoint(at),
          },
        ]);
      await count(
        [
          {
            key: 'd2',
            update: { inc: { captured: 1 }, set: { day: '2025-01-02', 'by.channel': 'web' }, upsert: { day: 'placeholder', dim: 'all' } },
          },
        ],
        10,
      );
      expect(await store.get(COUNTERS.name, 'd2')).toEqual({ day: '2025-01-02', dim: 'all', captured: 1, by: { channel: 'web' } });
      await count(
        [
          { key: 'd2', update: { inc: { captured: 2, lost: 1 }, upsert: { day: 'placeholder', dim: 'all' } } },
          { key: 'd3', update: { inc: { lost: 1 }, upsert: { day: '2025-01-03', dim: 'all' } } },
        ],
        11,
      );
      expect(await store.get(COUNTERS.name, 'd2')).toEqual({ day: '2025-01-02', dim: 'all', captured: 3, lost: 1, by: { channel: 'web' } });
      expect(
        (await store.find(COUNTERS.name, { filter: { day: { gte: '2025-01-02' } }, sort: { field: 'day', direction: 1 } })).map((d) => [
          d.day,
          d.lost,
        ]),
      ).toEqual([
        ['2025-01-02', 1],
        ['2025-01-03', 1],
      ]);
    });

    it('filters on equality, null, sets and ranges', async () => {
      const names = async (filter: Record<string, unknown>) =>
        (await store.find(PEOPLE.name, { filter: filter as never })).map((d) => d.name);
      expect(await names({ team: 'red' })).toEqual(['Ana', 'Bogdan', 'Florin']);
      expect(await names({ team: null })).toEqual(['Elena']);
      expect(await names({ score: null })).toEqual(['Dan', 'Florin']);
      expect(await names({ team: { in: ['blue', 'green'] } })).toEqual(['Carmen', 'Dan', 'Gabi']);
      expect(await names({ score: { gte: 50, lt: 90 } })).toEqual(['Bogdan', 'Gabi']);
      expect(await names({ joined: { gt: '2024-01-05', lte: '2024-02-15' } })).toEqual(['Bogdan', 'Carmen', 'Florin']);
      expect(await names({ team: 'blue', score: { gt: 10 } })).toEqual(['Carmen', 'Gabi']);
    });

    it('sorts with null lowest and the key breaking ties in the same direction, and pages by keyset through every document once', async () => {
      const order = async (direction: 1 | -1) =>
        (await store.find(PEOPLE.name, { sort: { field: 'score', direction } })).map((d) => d.name);
      expect(await order(-1)).toEqual(['Carmen', 'Ana', 'Gabi', 'Bogdan', 'Elena', 'Florin', 'Dan']);
      expect(await order(1)).toEqual(['Dan', 'Florin', 'Elena', 'Bogdan', 'Gabi', 'Ana', 'Carmen']);
      expect((await store.find(PEOPLE.name, { limit: 2 })).map((d) => d.name)).toEqual(['Ana', 'Bogdan']);

      const keyOf = (doc: Doc) => people.find(([, d]) => d.name === doc.name)![0];
      for (const direction of [1, -1] as const) {
        for (const filter of [{}, { team: 'blue' }] as Record<string, FieldFilter>[]) {
          const all = (await store.find(PEOPLE.name, { filter, sort: { field: 'score', direction } })).map((d) => d.name);
          const paged: unknown[] = [];
          let after: { value: string | number | null; key: string } | undefined;
          for (;;) {
            const page = await store.find(PEOPLE.name, { filter, sort: { field: 'score', direction }, after, limit: 2 });
            paged.push(...page.map((d) => d.name));
            if (page.length < 2) break;
            const last = page[page.length - 1];
            after = { value: (last.score as number | null) ?? null, key: keyOf(last) };
          }
          expect(paged).toEqual(all);
        }
      }
      const afterKey = await store.find(PEOPLE.name, { after: { value: null, key: 'p05' } });
      expect(afterKey.map((d) => d.name)).toEqual(['Florin', 'Gabi']);
    });

    it('stores checkpoints with the writes, and writes nothing of a batch that fails', async () => {
      expect(await store.checkpoint('people')).toEqual(checkpoint(7));
      expect(await store.checkpoint('nobody')).toBeNull();
      const big: Position = { commit: 2n ** 63n + 5n, prepare: 2n ** 63n + 1n };
      await store.commit([
        {
          projection: 'people',
          ops: [{ op: 'put', collection: PEOPLE.name, key: 'p08', doc: { name: 'Horia', team: 'red', score: 1, joined: '2025-01-01' } }],
          checkpoint: { position: big, recordedAt: 5, version: 3 },
        },
        { projection: 'counters', ops: [], checkpoint: checkpoint(8) },
      ]);
      expect(await store.checkpoint('people')).toEqual({ position: big, recordedAt: 5, version: 3 });
      expect(await store.checkpoint('counters')).toEqual(checkpoint(8));

      const failing = store.commit([
        {
          projection: 'counters',
          ops: [{ op: 'update', collection: COUNTERS.name, key: 'd1', update: { inc: { n: 1 }, upsert: { day: 'd' } } }],
          checkpoint: checkpoint(20),
        },
        {
          projection: 'people',
          ops: [
            { op: 'delete', collection: PEOPLE.name, key: 'p01' },
            // Incrementing a text field fails in every store.
            { op: 'update', collection: PEOPLE.name, key: 'p02', update: { inc: { name: 1 } } },
          ],
          checkpoint: checkpoint(20),
        },
      ]);
      await expect(failing).rejects.toThrow();
      expect(await store.get(PEOPLE.name, 'p01')).not.toBeNull();
      expect(await store.get(COUNTERS.name, 'd1')).toBeNull();
      expect(await store.checkpoint('counters')).toEqual(checkpoint(8));
      expect(await store.checkpoint('people')).toEqual({ position: big, recordedAt: 5, version: 3 });
    });

    it('resets one projection: its collections empty and its checkpoint at the start, the others untouched', async () => {
      await store.commit([
        { projection: 'other', ops: [{ op: 'put', collection: OTHER.name, key: 'k', doc: { v: 1 } }], checkpoint: checkpoint(3) },
      ]);
      await store.reset('people', 2, [PEOPLE]);
      expect(await store.find(PEOPLE.name)).toEqual([]);
      expect(await store.checkpoint('people')).toEqual(checkpoint(null, 2));
      expect(await store.get(OTHER.name, 'k')).toEqual({ v: 1 });
      expect(await store.checkpoint('other')).toEqual(checkpoint(3));
      // The collection works as before.
      await store.commit([
        {
          projection: 'people',
          ops: [{ op: 'put', collection: PEOPLE.name, key: 'p01', doc: people[0][1] }],
          checkpoint: checkpoint(1, 2),
        },
      ]);
      expect(await store.find(PEOPLE.name, { filter: { team: 'red' } })).toEqual([people[0][1]]);
    });

    it('creates collections idempotently and keeps their data', async () => {
      await store.ensureCollections([PEOPLE, COUNTERS]);
      await store.ensureCollections([PEOPLE]);
      expect(await store.find(PEOPLE.name)).toHaveLength(people.length);
    });
  });
}
