import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SqliteEventStore } from '@lead/event-store';
import { PersonalDataEventStore, openPrivacy } from '@lead/privacy';
import { appendCommands, chronological, generateLeads } from '../../libs/projections/src/testing/lead-history.generator';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

/** `npm run cli -- <args>` from the sources, in a process of its own with `env` added to the test's environment. */
export function runCli(args: string[], env: Record<string, string>) {
  return run(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/cli/src/main.ts', ...args],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
    },
  );
}

/**
 * A temp data directory holding a generated history, written as the engine writes it: personal data
 * encrypted, the data keys beside the events file. `env` points the CLI at it.
 */
export async function writeGeneratedHistory(
  prefix: string,
  options: Parameters<typeof generateLeads>[0],
): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const env = { SQLITE_PATH: join(dir, 'leads.sqlite'), KEYS_SQLITE_PATH: join(dir, 'keys.sqlite') };
  const store = new PersonalDataEventStore(new SqliteEventStore({ path: env.SQLITE_PATH }), await openPrivacy({}, env.SQLITE_PATH, env));
  await appendCommands(store, chronological(generateLeads(options)));
  await store.close();
  return { dir, env };
}
