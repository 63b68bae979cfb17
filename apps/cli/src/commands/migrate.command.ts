import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { SqliteEventStore } from '@lead/event-store';
import { PersonalDataEventStore, encryptStore, openPrivacy } from '@lead/privacy';

/** `migrate encrypt --from old.sqlite --to new.sqlite`: a store written before encryption, copied into an encrypted one. */
export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('copy-transform an event store into the current format')
    .command('encrypt')
    .description(
      'copy an embedded store written before personal data was encrypted into a new, encrypted one (keys beside it, or KEYS_SQLITE_PATH / LEADS_MASTER_KEY)',
    )
    .requiredOption('--from <path>', 'the old SQLite event store (left unchanged)')
    .requiredOption('--to <path>', 'the new SQLite event store (must not exist)')
    .action(async (opts: { from: string; to: string }) => {
      if (!existsSync(opts.from)) throw new Error(`--from: no file at ${opts.from}`);
      if (existsSync(opts.to)) throw new Error(`--to: ${opts.to} exists; give a new file`);
      const from = new SqliteEventStore({ path: opts.from });
      const to = new PersonalDataEventStore(new SqliteEventStore({ path: opts.to }), await openPrivacy({}, opts.to));
      try {
        const report = await encryptStore(from, to);
        console.log(
          `Copied ${report.events} events of ${report.leads} leads into ${opts.to}, personal data encrypted; ` +
            `${report.claimsRenamed} contact claims renamed to keyed names, ${report.claimsDropped} orphan claims dropped. ` +
            `Point SQLITE_PATH at it, rebuild the read models, and delete ${opts.from} and its backups once checked.`,
        );
      } finally {
        await from.close();
        await to.close();
      }
    });
}
