import 'reflect-metadata';
import { Command } from 'commander';
import { registerAudit } from './commands/audit.command';
import { registerExport } from './commands/export.command';
import { registerFunnel } from './commands/funnel.command';
import { registerImport } from './commands/import.command';
import { registerKeys } from './commands/keys.command';
import { registerMigrate } from './commands/migrate.command';
import { registerProjections } from './commands/projections.command';
import { registerReport } from './commands/report.command';
import { registerScoring } from './commands/scoring.command';
import { registerScoringHistory } from './commands/scoring-history.command';

// The command line for analysts and ops; it uses the same configuration as the API (EVENT_STORE, SQLITE_PATH, …).
const program = new Command()
  .name('lead-engine')
  .description(
    'Lead lifecycle engine: audit, import, export, API keys, scoring, projections, funnel analysis and reports on the event history',
  )
  .showHelpAfterError();

registerAudit(program);
registerExport(program);
registerFunnel(program);
registerImport(program);
registerKeys(program);
registerMigrate(program);
registerProjections(program);
registerReport(program);
registerScoring(program);
registerScoringHistory(program);

program.parseAsync(process.argv).catch((error: Error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
