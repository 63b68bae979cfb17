import type { Command } from 'commander';
import { DEFAULT_ACTIVITY_TYPES, LeadError, type LeadCommand } from '@lead/domain';
import { LeadCommandExecutor, deterministicUuid } from '@lead/lifecycle';
import { X_EDUCATION_ACTIVITY_TYPES, toLeadCommands, xEducationRows } from '@lead/scoring';
import { SingleBar, Presets } from 'cli-progress';
import { existsSync } from 'node:fs';
import { withEngine } from '../cli.context';
import { fail } from '../output';

/**
 * `import x-education <csv>`: turns each row of the public X Education lead data into the commands
 * a real lead would have gone through. Command ids are derived from the lead number, so a re-run
 * (or a run resumed after Ctrl-C) appends nothing twice.
 */
export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import historical lead data')
    .argument('<dataset>', 'x-education')
    .argument('<file>', 'path to Leads.csv')
    .option('--limit <n>', 'import only the first n leads', (v) => Number(v))
    .option('--concurrency <n>', 'leads imported at once', (v) => Number(v), 32)
    .action(async (dataset: string, file: string, opts: { limit?: number; concurrency: number }) => {
      if (dataset !== 'x-education') fail(`unknown dataset "${dataset}" (supported: x-education)`);
      if (!existsSync(file)) fail(`no such file: ${file}`);
      const rows = xEducationRows(file).slice(0, opts.limit ?? Infinity);
      const activityTypes = [...new Set([...DEFAULT_ACTIVITY_TYPES, ...X_EDUCATION_ACTIVITY_TYPES])];
      await withEngine(
        async (engine) => {
          const executor = engine.get(LeadCommandExecutor);
          const bar = new SingleBar(
            { format: 'importing |{bar}| {value}/{total} leads | {eta_formatted} left | {failed} refused' },
            Presets.shades_classic,
          );
          bar.start(rows.length, 0, { failed: 0 });
          let next = 0;
          let failed = 0;
          const clock = () => new Date();
          await Promise.all(
            Array.from({ length: Math.max(1, opts.concurrency) }, async () => {
              while (next < rows.length) {
                const row = rows[next++];
                try {
                  for (const command of toLeadCommands(row, { idFactory: deterministicUuid, clock })) await send(executor, command);
                } catch (error) {
                  if (!(error instanceof LeadError)) throw error;
                  failed++;
                  console.error(`\nlead ${row.leadNumber}: ${error.message}`);
                }
                bar.increment(1, { failed });
              }
            }),
          );
          bar.stop();
          console.log(`imported ${rows.length - failed} leads from ${file}${failed ? `, ${failed} refused` : ''}`);
        },
        { activityTypes },
      );
    });
}

function send(executor: LeadCommandExecutor, command: LeadCommand) {
  const { type, data, commandId, leadId, occurredAt, actor } = command;
  return executor.execute({ type, leadId, data, options: { commandId, occurredAt: occurredAt.toISOString() }, actor });
}
