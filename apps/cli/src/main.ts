import 'reflect-metadata';
import { Command } from 'commander';
import { registerAudit } from './commands/audit.command';
import { registerExport } from './commands/export.command';
import { registerFunnel } from './commands/funnel.command';
import { registerImport } from './commands/import.command';
import { registerProjections } from './commands/projections.command';
import { registerScoring } from './commands/scoring.command';
import { registerScoringHistory } from './commands/scoring-history.command';

// The command line for analysts and ops; it uses the same configuration as the API (EVENT_STORE, SQLITE_PATH, …).
const program = new Command()
  .name('lead-engine')
  .description('Lead lifecycle engine: audit, import, scoring, projections and funnel analysis on the event history')
  .showHelpAfterError();

registerAudit(program);
registerExport(program);
registerFunnel(program);
registerImport(program);
registerProjections(program);
registerScoring(program);
registerScoringHistory(program);

program.parseAsync(process.argv).catch((error: Error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
