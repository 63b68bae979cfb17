import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { policyStoreContract } from './policy-store.contract';
import { SqlitePolicyStore } from './sqlite-policy-store';

describe('SqlitePolicyStore', () => {
  describe('in memory', () => policyStoreContract(async () => new SqlitePolicyStore(':memory:')));

  it('keeps its state in a file across reopenings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-store-'));
    try {
      const file = join(dir, 'nested', 'policies.sqlite');
      const first = new SqlitePolicyStore(file);
      await first.commit({ checkpoint: { commit: '42', prepare: '42' }, roundRobin: { crm: 1 } });
      await first.close();
      const again = new SqlitePolicyStore(file);
      expect(await again.checkpoint()).toEqual({ commit: '42', prepare: '42' });
      expect(await again.roundRobin()).toEqual({ crm: 1 });
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applies nothing of a batch that fails halfway', async () => {
    const store = new SqlitePolicyStore(':memory:');
    const circular: Record<string, unknown> = {};
    circular.self = circular; // JSON.stringify throws on it, after the checkpoint would have been queued
    await expect(
      store.commit({ roundRobin: { crm: 1 }, models: { scoring: circular as never }, checkpoint: { commit: '7', prepare: '7' } }),
    ).rejects.toThrow();
    expect(await store.roundRobin()).toEqual({});
    expect(await store.checkpoint()).toBeNull();
    await store.close();
  });
});
