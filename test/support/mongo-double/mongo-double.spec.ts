import { deserialize, serialize } from 'bson';
import { MongoClient, MongoServerError, type Collection, type CommandStartedEvent } from 'mongodb';
import { connect } from 'node:net';
import { startMongoDouble, type MongoDouble } from './index';

type Person = { _id: string; name?: string; team?: string | null; score?: number | null; tags?: string[]; seen?: number; note?: string };

describe('MongoDB test double, through the official driver', () => {
  let double: MongoDouble;
  let client: MongoClient;
  let commands: CommandStartedEvent[] = [];
  let people: Collection<Person>;

  beforeAll(async () => {
    double = await startMongoDouble();
    client = new MongoClient(double.url('double_spec'), { monitorCommands: true, serverSelectionTimeoutMS: 5_000 });
    client.on('commandStarted', (event) => commands.push(event));
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
    await double?.stop();
  });
  beforeEach(async () => {
    await client.db().dropDatabase();
    people = client.db().collection<Person>('people');
    await people.insertMany([
      { _id: 'p1', name: 'Ana', team: 'red', score: 90 },
      { _id: 'p2', name: 'Bogdan', team: 'red', score: 50 },
      { _id: 'p3', name: 'Carmen', team: 'blue', score: null },
      { _id: 'p4', name: 'Dan', score: 10 },
    ]);
    commands = [];
  });
  const sent = (name: string) => commands.filter((c) => c.commandName === name);

  it('answers as a single-node replica set primary', async () => {
    const hello = await client.db('admin').command({ hello: 1 });
    expect(hello).toMatchObject({
      isWritablePrimary: true,
      setName: 'rs0',
      hosts: [`127.0.0.1:${double.port}`],
      primary: `127.0.0.1:${double.port}`,
      logicalSessionTimeoutMinutes: 30,
      maxWireVersion: 21,
      ok: 1,
    });
    expect(await client.db('admin').command({ ping: 1 })).toEqual({ ok: 1 });
    expect((await client.db('admin').command({ buildInfo: 1 })).version).toBe('7.0.0');
    await expect(client.db().command({ frobnicate: 1 })).rejects.toMatchObject({ code: 59, codeName: 'CommandNotFound' });
  });

  it('finds with filter, sort (null and missing lowest), projection, skip and limit', async () => {
    expect(await people.find({ team: 'red' }).sort({ score: 1 }).toArray()).toEqual([
      { _id: 'p2', name: 'Bogdan', team: 'red', score: 50 },
      { _id: 'p1', name: 'Ana', team: 'red', score: 90 },
    ]);
    expect(
      await people
        .find({}, { projection: { name: 1, _id: 0 } })
        .sort({ score: 1, _id: 1 })
        .toArray(),
    ).toEqual([{ name: 'Carmen' }, { name: 'Dan' }, { name: 'Bogdan' }, { name: 'Ana' }]);
    expect((await people.find({ team: null }).toArray()).map((p) => p._id)).toEqual(['p4']);
    expect(
      (
        await people
          .find({ score: { $gte: 50 } })
          .sort({ _id: -1 })
          .skip(1)
          .limit(5)
          .toArray()
      ).map((p) => p._id),
    ).toEqual(['p1']);
    expect(await people.findOne({ _id: { $in: ['p3', 'x'] } })).toEqual({ _id: 'p3', name: 'Carmen', team: 'blue', score: null });
  });

  it('updates with $set, $unset, $inc, $push and $setOnInsert, upserts, and counts', async () => {
    expect(await people.updateOne({ _id: 'p1' }, { $inc: { score: 5 }, $unset: { team: '' }, $push: { tags: 'vip' } })).toMatchObject({
      matchedCount: 1,
      modifiedCount: 1,
    });
    expect(await people.findOne({ _id: 'p1' })).toEqual({ _id: 'p1', name: 'Ana', score: 95, tags: ['vip'] });
    const upserted = await people.updateOne({ _id: 'p9' }, { $set: { name: 'Ioana' }, $setOnInsert: { seen: 1 } }, { upsert: true });
    expect(upserted).toMatchObject({ matchedCount: 0, upsertedId: 'p9', upsertedCount: 1 });
    await people.updateOne({ _id: 'p9' }, { $set: { name: 'Ioana P.' }, $setOnInsert: { seen: 2 } }, { upsert: true });
    expect(await people.findOne({ _id: 'p9' })).toEqual({ _id: 'p9', name: 'Ioana P.', seen: 1 });
    expect(await people.updateMany({ team: 'red' }, { $set: { note: 'n' } })).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await people.replaceOne({ _id: 'p2' }, { name: 'B' })).toMatchObject({ modifiedCount: 1 });
    expect(await people.findOne({ _id: 'p2' })).toEqual({ _id: 'p2', name: 'B' });
    expect(await people.countDocuments({ score: { $ne: null } })).toBe(2);
    expect(await people.estimatedDocumentCount()).toBe(5);
    expect(await people.deleteMany({ score: null })).toMatchObject({ deletedCount: 3 });
    expect(await people.findOneAndUpdate({ _id: 'p1' }, { $inc: { score: 1 } }, { returnDocument: 'after' })).toMatchObject({ score: 96 });
    expect(await people.findOneAndDelete({ _id: 'p4' })).toEqual({ _id: 'p4', name: 'Dan', score: 10 });
    expect(await people.distinct('_id')).toEqual(['p1']);
  });

  it('refuses what MongoDB refuses: conflicting operators, $inc on text, a changed _id, an unknown operator', async () => {
    await expect(people.updateOne({ _id: 'p1' }, { $set: { score: 1 }, $inc: { score: 1 } })).rejects.toMatchObject({ code: 40 });
    await expect(people.updateOne({ _id: 'p1' }, { $inc: { name: 1 } as never })).rejects.toMatchObject({ code: 14 });
    await expect(people.replaceOne({ _id: 'p1' }, { _id: 'other' } as Person)).rejects.toMatchObject({ code: 66 });
    await expect(people.updateOne({ _id: 'p1' }, { $frobnicate: { a: 1 } } as never)).rejects.toMatchObject({ code: 9 });
    expect(await people.findOne({ _id: 'p1' })).toEqual({ _id: 'p1', name: 'Ana', team: 'red', score: 90 });
  });

  it('sends a batch of writes as document sequences, in order, and stops at the first error of an ordered bulk', async () => {
    const result = people.bulkWrite([
      { insertOne: { document: { _id: 'p5', name: 'Elena' } } },
      { updateOne: { filter: { _id: 'p5' }, update: { $set: { team: 'blue' } } } },
      { insertOne: { document: { _id: 'p1', name: 'again' } } },
      { deleteOne: { filter: { _id: 'p2' } } },
    ]);
    await expect(result).rejects.toMatchObject({ code: 11000 });
    expect(await people.findOne({ _id: 'p5' })).toEqual({ _id: 'p5', name: 'Elena', team: 'blue' });
    expect(await people.findOne({ _id: 'p2' })).not.toBeNull();
    expect(sent('insert').map((c) => c.command.documents.length)).toEqual([1, 1]);
  });

  it('enforces unique indexes with E11000, keyPattern and keyValue; lists and drops indexes', async () => {
    await people.createIndexes([{ key: { name: 1 }, name: 'by_name', unique: true }, { key: { team: 1, score: -1 } }]);
    const error = await people.insertOne({ _id: 'p8', name: 'Ana' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({
      code: 11000,
      keyPattern: { name: 1 },
      keyValue: { name: 'Ana' },
      message: 'E11000 duplicate key error collection: double_spec.people index: by_name dup key: { name: "Ana" }',
    });
    await expect(people.updateOne({ _id: 'p2' }, { $set: { name: 'Ana' } })).rejects.toMatchObject({ code: 11000 });
    await expect(people.createIndex({ team: 1 }, { unique: true })).rejects.toMatchObject({ code: 11000 });
    expect((await people.listIndexes().toArray()).map((i) => [i.name, i.key, i.unique ?? false])).toEqual([
      ['_id_', { _id: 1 }, false],
      ['by_name', { name: 1 }, true],
      ['team_1_score_-1', { team: 1, score: -1 }, false],
    ]);
    await people.dropIndex('by_name');
    await people.insertOne({ _id: 'p8', name: 'Ana' });
    await expect(people.insertOne({ _id: 'p8' })).rejects.toMatchObject({ code: 11000, keyValue: { _id: 'p8' } });
  });

  it('creates, lists and drops collections', async () => {
    await client.db().createCollection('other');
    await expect(client.db().createCollection('other')).rejects.toMatchObject({ code: 48, codeName: 'NamespaceExists' });
    expect((await client.db().listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort()).toEqual(['other', 'people']);
    expect(await client.db().collection('other').drop()).toBe(true);
    expect((await client.db().listCollections({ name: 'other' }).toArray()).length).toBe(0);
    await expect(client.db().collection('missing').listIndexes().toArray()).rejects.toMatchObject({ code: 26 });
  });

  it('pages a cursor over more than one batch with getMore, and kills one closed early', async () => {
    const many = client.db().collection<{ _id: number }>('many');
    await many.insertMany(Array.from({ length: 250 }, (_, i) => ({ _id: i })));
    commands = [];
    expect((await many.find().sort({ _id: -1 }).toArray()).map((d) => d._id)).toEqual(Array.from({ length: 250 }, (_, i) => 249 - i));
    expect(sent('getMore')).toHaveLength(1);
    const cursor = many.find({}, { batchSize: 10 });
    expect((await cursor.next())?._id).toBe(0);
    await cursor.close();
    expect(sent('killCursors')).toHaveLength(1);
    const aggregated = await many
      .aggregate([{ $match: { _id: { $lt: 4 } } }, { $group: { _id: null, total: { $sum: '$_id' } } }])
      .toArray();
    expect(aggregated).toEqual([{ _id: null, total: 6 }]);
  });

  it('commits a transaction: invisible outside until the commit, then all of it', async () => {
    const session = client.startSession();
    try {
      session.startTransaction({ readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } });
      await people.insertOne({ _id: 'p7', name: 'Gabi' }, { session });
      await people.updateOne({ _id: 'p1' }, { $inc: { score: 1 } }, { session });
      expect(await people.findOne({ _id: 'p7' }, { session })).toEqual({ _id: 'p7', name: 'Gabi' });
      expect(await people.findOne({ _id: 'p7' })).toBeNull();
      expect((await people.findOne({ _id: 'p1' }))?.score).toBe(90);
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    expect(await people.findOne({ _id: 'p7' })).toEqual({ _id: 'p7', name: 'Gabi' });
    expect((await people.findOne({ _id: 'p1' }))?.score).toBe(91);
    expect(sent('insert')[0].command).toMatchObject({ startTransaction: true, autocommit: false, readConcern: { level: 'snapshot' } });
  });

  it('aborts a transaction: nothing of it stays, and it reads its snapshot, not later commits', async () => {
    const session = client.startSession();
    try {
      session.startTransaction();
      await people.deleteOne({ _id: 'p2' }, { session });
      await people.insertOne({ _id: 'p6', name: 'later' });
      expect(await people.findOne({ _id: 'p6' }, { session })).toBeNull();
      await session.abortTransaction();
    } finally {
      await session.endSession();
    }
    expect(await people.findOne({ _id: 'p2' })).not.toBeNull();
    expect(await people.countDocuments()).toBe(5);
  });

  it('gives a WriteConflict (112, TransientTransactionError) to the second writer of a document, which withTransaction retries', async () => {
    const first = client.startSession();
    const second = client.startSession();
    let attempts = 0;
    let conflicted!: () => void;
    const secondConflicted = new Promise<void>((resolve) => (conflicted = resolve));
    try {
      first.startTransaction();
      await people.updateOne({ _id: 'p1' }, { $inc: { score: 1 } }, { session: first });
      const retried = second.withTransaction(async () => {
        attempts++;
        try {
          await people.updateOne({ _id: 'p1' }, { $inc: { score: 10 } }, { session: second });
        } catch (error) {
          expect(error).toMatchObject({ code: 112, codeName: 'WriteConflict' });
          expect((error as MongoServerError).errorLabels).toEqual(['TransientTransactionError']);
          conflicted();
          throw error;
        }
      });
      await secondConflicted;
      await first.commitTransaction();
      await retried;
    } finally {
      await first.endSession();
      await second.endSession();
    }
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect((await people.findOne({ _id: 'p1' }))?.score).toBe(101);
  });

  it('conflicts with a commit made after the transaction started (first committer wins)', async () => {
    const session = client.startSession();
    try {
      session.startTransaction();
      await people.findOne({ _id: 'p3' }, { session });
      await people.updateOne({ _id: 'p1' }, { $set: { note: 'outside' } });
      await expect(people.updateOne({ _id: 'p1' }, { $set: { note: 'inside' } }, { session })).rejects.toMatchObject({ code: 112 });
      await session.abortTransaction();
    } finally {
      await session.endSession();
    }
    expect((await people.findOne({ _id: 'p1' }))?.note).toBe('outside');
  });

  it('makes a write outside a transaction wait for the transaction that holds the document', async () => {
    const session = client.startSession();
    try {
      session.startTransaction();
      await people.updateOne({ _id: 'p1' }, { $set: { score: 1 } }, { session });
      let outsideDone = false;
      const outside = people.updateOne({ _id: 'p1' }, { $inc: { score: 1 } }).then(() => (outsideDone = true));
      await new Promise((r) => setTimeout(r, 50));
      expect(outsideDone).toBe(false);
      await session.commitTransaction();
      await outside;
    } finally {
      await session.endSession();
    }
    expect((await people.findOne({ _id: 'p1' }))?.score).toBe(2);
  });

  describe('failCommand fail points', () => {
    const admin = () => client.db('admin');
    afterEach(() => admin().command({ configureFailPoint: 'failCommand', mode: 'off' }));

    it('fails the named command n times with the code and labels given, then lets it through', async () => {
      await admin().command({
        configureFailPoint: 'failCommand',
        mode: { times: 2 },
        data: { failCommands: ['find'], errorCode: 91, errorLabels: ['SomeLabel'] },
      });
      const error = (await people.findOne({ _id: 'p1' }).catch((e: unknown) => e)) as MongoServerError;
      expect(error.code).toBe(91);
      expect(error.errorLabels).toContain('SomeLabel');
      // A retryable read: the driver retries once, and that retry is the second failure.
      expect(sent('find')).toHaveLength(2);
      expect(await people.findOne({ _id: 'p1' })).not.toBeNull();
    });

    it('closes the connection: a retryable write is retried and applied once', async () => {
      await admin().command({
        configureFailPoint: 'failCommand',
        mode: { times: 1 },
        data: { failCommands: ['update'], closeConnection: true },
      });
      await people.updateOne({ _id: 'p1' }, { $inc: { score: 1 } });
      expect(sent('update')).toHaveLength(2);
      expect((await people.findOne({ _id: 'p1' }))?.score).toBe(91);
    });

    it('fails a transaction commit until turned off; withTransaction retries a TransientTransactionError', async () => {
      await admin().command({
        configureFailPoint: 'failCommand',
        mode: 'alwaysOn',
        data: { failCommands: ['insert'], errorCode: 112, errorLabels: ['TransientTransactionError'] },
      });
      const session = client.startSession();
      let attempts = 0;
      try {
        await session.withTransaction(async () => {
          if (++attempts === 3) await admin().command({ configureFailPoint: 'failCommand', mode: 'off' });
          await people.insertOne({ _id: 'p5', name: 'Elena' }, { session });
        });
      } finally {
        await session.endSession();
      }
      expect(attempts).toBe(3);
      expect(await people.findOne({ _id: 'p5' })).toEqual({ _id: 'p5', name: 'Elena' });
    });

    it('blocks the connection for blockTimeMS and then answers normally', async () => {
      await admin().command({
        configureFailPoint: 'failCommand',
        mode: { times: 1 },
        data: { failCommands: ['count'], blockConnection: true, blockTimeMS: 150 },
      });
      const started = Date.now();
      expect(await people.estimatedDocumentCount()).toBe(4);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });
  });
});

describe('MongoDB test double, on the wire', () => {
  it('reads an OP_MSG with the checksum flag and a kind-1 document sequence', async () => {
    const double = await startMongoDouble();
    try {
      const body = serialize({ insert: 'raw', $db: 'wire' });
      const docs = Buffer.concat([serialize({ _id: 1 }), serialize({ _id: 2 })]);
      const identifier = Buffer.from('documents\0');
      const sequence = Buffer.alloc(4);
      sequence.writeInt32LE(4 + identifier.length + docs.length);
      const payload = Buffer.concat([Buffer.from([0]), body, Buffer.from([1]), sequence, identifier, docs, Buffer.alloc(4)]);
      const header = Buffer.alloc(20);
      header.writeInt32LE(20 + payload.length, 0);
      header.writeInt32LE(7, 4);
      header.writeInt32LE(2013, 12);
      header.writeUInt32LE(1, 16); // checksumPresent
      const reply = await new Promise<Buffer>((resolve, reject) => {
        const socket = connect(double.port, '127.0.0.1', () => socket.write(Buffer.concat([header, payload])));
        socket.once('data', (chunk) => {
          socket.destroy();
          resolve(chunk);
        });
        socket.once('error', reject);
      });
      expect(reply.readInt32LE(8)).toBe(7); // responseTo
      expect(deserialize(reply.subarray(21))).toEqual({ n: 2, ok: 1 });
    } finally {
      await double.stop();
    }
  });
});

describe('MongoDB test double, as a standalone server', () => {
  it('answers hello without a replica set and refuses transactions with IllegalOperation (20)', async () => {
    const double = await startMongoDouble({ standalone: true });
    const client = await MongoClient.connect(double.url('standalone'));
    try {
      const hello = await client.db('admin').command({ hello: 1 });
      expect([hello.isWritablePrimary, hello.setName, hello.hosts]).toEqual([true, undefined, undefined]);
      await client
        .db()
        .collection('x')
        .insertOne({ _id: 1 } as never);
      const session = client.startSession();
      try {
        session.startTransaction();
        await expect(
          client
            .db()
            .collection('x')
            .insertOne({ _id: 2 } as never, { session }),
        ).rejects.toMatchObject({ code: 20 });
        await session.abortTransaction().catch(() => undefined);
      } finally {
        await session.endSession();
      }
      expect(await client.db().collection('x').countDocuments()).toBe(1);
    } finally {
      await client.close();
      await double.stop();
    }
  });
});
