import { CounterDoc, ProjectionTx, UnreadDocumentError } from './projection-tx';

describe('ProjectionTx', () => {
  it('writes each document once per batch, with its last state', () => {
    const tx = new ProjectionTx();
    tx.preload('leads', 'a', { n: 1 });
    const doc = tx.get('leads', 'a')!;
    doc.n = 2;
    tx.put('leads', 'a', doc);
    tx.put('leads', 'b', { n: 1 });
    tx.delete('leads', 'b');
    tx.preload('leads', 'c', null);
    expect(tx.get('leads', 'c')).toBeUndefined();
    expect(tx.ops()).toEqual([
      { op: 'put', collection: 'leads', key: 'a', doc: { n: 2 } },
      { op: 'delete', collection: 'leads', key: 'b' },
    ]);
  });

  it('merges blind increments into one update per document and keeps other updates in order', () => {
    const tx = new ProjectionTx();
    const inc = { captured: 1 };
    tx.update('days', 'd1', { inc, upsert: { day: 'd1' } });
    tx.update('days', 'd1', { inc });
    tx.update('days', 'd1', { inc: { captured: 1, 'byReason.spam': 1 } });
    tx.update('days', 'd1', { set: { closed: true } });
    tx.update('days', 'd1', { inc });
    expect(inc).toEqual({ captured: 1 }); // the caller's object is not changed
    expect(tx.ops()).toEqual([
      { op: 'update', collection: 'days', key: 'd1', update: { inc: { captured: 3, 'byReason.spam': 1 }, upsert: { day: 'd1' } } },
      { op: 'update', collection: 'days', key: 'd1', update: { set: { closed: true } } },
      { op: 'update', collection: 'days', key: 'd1', update: { inc: { captured: 1 } } },
    ]);
  });

  it('increments like an upserting blind update, without changing what it is given', () => {
    const tx = new ProjectionTx();
    const d1 = Object.freeze({ day: 'd1' });
    tx.increment('days', 'd1', 'captured', 1, d1);
    tx.increment('days', 'd1', 'byReason.spam', 1, d1);
    tx.increment('days', 'd1', 'captured', 2, d1);
    tx.preload('days', 'd2', { day: 'd2', captured: 7 });
    tx.increment('days', 'd2', 'captured', 1, { day: 'd2' });
    tx.preload('days', 'd3', null);
    tx.increment('days', 'd3', 'captured', 1, d1);
    expect(d1).toEqual({ day: 'd1' });
    expect(tx.ops()).toEqual([
      { op: 'update', collection: 'days', key: 'd1', update: { inc: { captured: 3, 'byReason.spam': 1 }, upsert: { day: 'd1' } } },
      { op: 'put', collection: 'days', key: 'd2', doc: { day: 'd2', captured: 8 } },
      { op: 'put', collection: 'days', key: 'd3', doc: { day: 'd1', captured: 1 } },
    ]);
  });

  it('adds through a CounterDoc exactly as increment() does, also after other writes to the document and in another window', () => {
    const tx = new ProjectionTx();
    const d1 = new CounterDoc('days', 'd1', Object.freeze({ day: 'd1' }));
    tx.add(d1, 'captured', 1);
    tx.add(d1, 'captured', 2);
    tx.update('days', 'd1', { set: { closed: true } });
    tx.add(d1, 'captured', 1); // after the set, not merged into the increment before it
    const d2 = new CounterDoc('days', 'd2', { day: 'd2' });
    tx.preload('days', 'd2', { day: 'd2', captured: 7 });
    tx.add(d2, 'captured', 1);
    const next = new ProjectionTx();
    next.add(d1, 'captured', 5);
    tx.add(d1, 'won', 1);
    expect(tx.ops()).toEqual([
      { op: 'update', collection: 'days', key: 'd1', update: { inc: { captured: 3 }, upsert: { day: 'd1' } } },
      { op: 'update', collection: 'days', key: 'd1', update: { set: { closed: true } } },
      { op: 'update', collection: 'days', key: 'd1', update: { inc: { captured: 1, won: 1 }, upsert: { day: 'd1' } } },
      { op: 'put', collection: 'days', key: 'd2', doc: { day: 'd2', captured: 8 } },
    ]);
    expect(next.ops()).toEqual([{ op: 'update', collection: 'days', key: 'd1', update: { inc: { captured: 5 }, upsert: { day: 'd1' } } }]);
  });

  it('counts by field index exactly as add() does by name, around other writes and across windows', () => {
    const fields = ['captured', 'won'];
    const tx = new ProjectionTx();
    const d1 = new CounterDoc('days', 'd1', Object.freeze({ day: 'd1' }), fields);
    tx.count(d1, 0, 1);
    tx.count(d1, 0, 2);
    tx.add(d1, 'byReason.spam', 1);
    tx.update('days', 'd1', { set: { closed: true } });
    tx.count(d1, 0, 1); // after the set: a new increment
    const next = new ProjectionTx();
    next.count(d1, 1, 5);
    next.count(d1, 1, 2);
    tx.count(d1, 1, 1); // back in the first window, the second one's counts kept in its own increment
    tx.count(d1, 1, 3);
    const d2 = new CounterDoc('days', 'd2', { day: 'd2' }, fields);
    tx.count(d2, 0, 4);
    tx.count(d2, 0, 4);
    tx.put('days', 'd2', { day: 'd2', captured: 7 }); // a put replaces what was counted before it
    tx.count(d2, 0, 1);
    expect(tx.ops()).toEqual([
      { op: 'update', collection: 'days', key: 'd1', update: { inc: { captured: 3, 'byReason.spam': 1 }, upsert: { day: 'd1' } } },
      { op: 'update', collection: 'days', key: 'd1', update: { set: { closed: true } } },
      { op: 'update', collection: 'days', key: 'd1', update: { inc: { captured: 1, won: 4 }, upsert: { day: 'd1' } } },
      { op: 'put', collection: 'days', key: 'd2', doc: { day: 'd2', captured: 8 } },
    ]);
    expect(next.ops()).toEqual([{ op: 'update', collection: 'days', key: 'd1', update: { inc: { won: 7 }, upsert: { day: 'd1' } } }]);
  });

  it('tells the state it leaves a document in: the document, absent, untouched or only blindly updated', () => {
    const tx = new ProjectionTx();
    tx.put('leads', 'a', { n: 1 });
    tx.preload('leads', 'b', null);
    tx.update('days', 'd1', { inc: { n: 1 } });
    expect([tx.stateOf('leads', 'a'), tx.stateOf('leads', 'b'), tx.stateOf('leads', 'c'), tx.stateOf('days', 'd1')]).toEqual([
      { n: 1 },
      null,
      undefined,
      'blind',
    ]);
    expect([tx.knows('leads', 'a'), tx.knows('leads', 'b'), tx.knows('leads', 'c'), tx.knows('days', 'd1')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('applies updates in memory to documents it knows, creating them only when upserting', () => {
    const tx = new ProjectionTx();
    tx.preload('days', 'known', { captured: 4, nested: { a: 1 } });
    tx.update('days', 'known', { inc: { captured: 1, 'nested.b': 2 }, unset: ['nested.a'] });
    tx.preload('days', 'missing', null);
    tx.update('days', 'missing', { set: { x: 1 } });
    tx.put('days', 'created', { n: 0 });
    tx.delete('days', 'created');
    tx.update('days', 'created', { inc: { n: 1 }, upsert: { day: 'x' } });
    expect(tx.ops()).toEqual([
      { op: 'put', collection: 'days', key: 'known', doc: { captured: 5, nested: { b: 2 } } },
      { op: 'put', collection: 'days', key: 'created', doc: { day: 'x', n: 1 } },
    ]);
  });

  it('refuses to read a document that was not read ahead', () => {
    const tx = new ProjectionTx();
    expect(() => tx.get('leads', 'a')).toThrow(UnreadDocumentError);
    tx.update('leads', 'a', { inc: { n: 1 } });
    expect(() => tx.get('leads', 'a')).toThrow("leads/a was not read ahead: list it in the projection's reads()");
  });
});
