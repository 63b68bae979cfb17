import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteEventStore } from '@lead/event-store';
import { ProjectionRunner, READ_MODEL_PROJECTIONS, SqliteReadStore } from '@lead/projections';
import { seededRandom } from '@lead/scoring';
import { appendCommands, chronological, generateLeads } from '../../libs/projections/src/testing/lead-history.generator';
import { cleanRebuild, dumpReadModels, silentLogger } from '../../libs/projections/src/testing/projection.test-kit';

const ROOT = resolve(__dirname, '..', '..');
const CHILD = join(__dirname, 'support', 'projections-crash.child.ts');

/** Starts the projections in a child process and SIGKILLs it after `commits` commits plus a random few milliseconds. */
function runThenKill(eventsFile: string, readFile: string, commits: number, delayMs: number): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', CHILD, eventsFile, readFile, '500'],
      {
        cwd: ROOT,
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let seen = 0;
    let stderr = '';
    let partial = '';
    let killing = false;
    const kill = () => {
      if (killing) return;
      killing = true;
      setTimeout(() => child.kill('SIGKILL'), delayMs);
    };
    // Killed anyway if it caught up before reaching its number of commits.
    const guard = setTimeout(kill, 20_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('commit ')) seen++;
      if (seen >= commits) kill();
    });
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (signal === 'SIGKILL') done(seen);
      else fail(new Error(`The projection process exited on its own (code ${code}): ${stderr}`));
    });
  });
}

describe('projections killed at random moments', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'projections-crash-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('end, after a final restart, equal field for field to a clean rebuild: nothing lost, nothing applied twice', async () => {
    const eventsFile = join(dir, 'events.sqlite');
    const readFile = join(dir, 'read.sqlite');
    // Kill moments vary from run to run; a failure names the seed (CRASH_SEED=<seed> replays its choices).
    const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 1e9));
    const random = seededRandom(seed);
    const writer = new SqliteEventStore({ path: eventsFile, synchronous: 'NORMAL' });
    const history = generateLeads({ leads: 3600, seed: 77, start: '2024-01-01', days: 180 });
    const commands = chronological(history)[Symbol.iterator]();
    const appendSome = async (n: number) => {
      const chunk = [];
      for (let i = 0; i < n; i++) {
        const next = commands.next();
        if (next.done) break;
        chunk.push(next.value);
      }
      return appendCommands(writer, chunk);
    };
    let appended = await appendSome(25_000);

    let commitsSeen = 0;
    for (let round = 0; round < 6; round++) {
      commitsSeen += await runThenKill(eventsFile, readFile, 1 + Math.floor(random() * 8), Math.floor(random() * 25));
      // More history arrives while the projections are down.
      appended += await appendSome(800);
    }
    await writer.close();
    expect(commitsSeen).toBeGreaterThan(6);

    const store = new SqliteEventStore({ path: eventsFile });
    const readStore = new SqliteReadStore({ path: readFile });
    const runner = new ProjectionRunner(store, readStore, READ_MODEL_PROJECTIONS, { logger: silentLogger });
    try {
      await runner.start();
      await runner.waitUntilCaughtUp(60_000);
      const head = (await store.headPosition())!;
      expect(Number(head.commit)).toBeGreaterThanOrEqual(appended);
      for (const status of await runner.status())
        expect(status).toMatchObject({ state: 'running', checkpoint: head.commit.toString(), eventsBehind: 0 });
      const recovered = await dumpReadModels(readStore);
      const clean = await cleanRebuild(store);
      expect(Object.values(clean).reduce((n, docs) => n + docs.length, 0)).toBeGreaterThan(10_000);
      for (const collection of Object.keys(clean))
        expect([seed, collection, recovered[collection]]).toEqual([seed, collection, clean[collection]]);
    } finally {
      await runner.stop();
      await readStore.close();
      await store.close();
    }
  }, 120_000);
});
