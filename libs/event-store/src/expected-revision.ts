import type { ExpectedRevision } from './event-store.port';

/** Guards the port at runtime too: callers in plain JS (or JSON) can hand in anything. */
export function checkExpectedRevision(expected: unknown): asserts expected is ExpectedRevision {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return;
  if (typeof expected === 'bigint' && expected >= 0n) return;
  throw new TypeError(`Invalid expected revision ${String(expected)}: use 'any', 'no_stream', 'stream_exists' or a revision >= 0n`);
}

/** EventStoreDB's rule for whether a stream at `current` satisfies `expected`. */
export function expectationHolds(expected: ExpectedRevision, current: bigint | 'no_stream'): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === 'no_stream';
    case 'stream_exists':
      return current !== 'no_stream';
    default:
      return current === expected;
  }
}
