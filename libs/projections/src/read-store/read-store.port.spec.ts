import { applyUpdate, copyDoc } from './read-store.port';

describe('document updates (MongoDB semantics)', () => {
  it('sets, unsets and increments plain and dotted paths, creating the objects on the way', () => {
    const doc = { day: 'd', captured: 1, facts: { decisionMaker: { name: 'Ana', role: 'CEO' } } };
    expect(
      applyUpdate(doc, {
        set: { 'by.channel': 'web', day: 'e' },
        unset: ['facts.decisionMaker.name', 'not.there', 'missing'],
        inc: { captured: 2, 'byReason.spam': 1 },
      }),
    ).toEqual({
      day: 'e',
      captured: 3,
      facts: { decisionMaker: { role: 'CEO' } },
      by: { channel: 'web' },
      byReason: { spam: 1 },
    });
  });

  it('refuses to increment a value that is not a number, or to follow a path through one', () => {
    expect(() => applyUpdate({ name: 'Ana' }, { inc: { name: 1 } })).toThrow('Cannot increment "name": it is not a number');
    expect(() => applyUpdate({ name: 'Ana' }, { set: { 'name.first': 'A' } })).toThrow(
      'Cannot follow path "name.first": "name" is not an object',
    );
  });
});

describe('copyDoc', () => {
  it('copies objects and arrays deeply, so that changing the copy leaves the original as it was', () => {
    const original = { day: 'd', counts: { captured: 1 }, ids: ['a', { b: 2 }], none: null };
    const copy = copyDoc(original);
    copy.counts.captured = 5;
    (copy.ids[1] as { b: number }).b = 3;
    copy.ids.push('c');
    expect(original).toEqual({ day: 'd', counts: { captured: 1 }, ids: ['a', { b: 2 }], none: null });
    expect(copy).toEqual({ day: 'd', counts: { captured: 5 }, ids: ['a', { b: 3 }, 'c'], none: null });
  });

  it('copies a value that is not a plain object, such as a Date, as structuredClone does', () => {
    const at = new Date('2025-01-01T00:00:00Z');
    const copy = copyDoc({ at });
    expect(Object.prototype.toString.call(copy.at)).toBe('[object Date]');
    expect(copy.at).not.toBe(at);
    expect(copy.at.getTime()).toBe(at.getTime());
  });
});
