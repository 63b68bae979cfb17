import type { Command } from 'commander';
import { LeadReader } from '@lead/lifecycle';
import { withEngine } from '../cli.context';
import { printTable } from '../output';

/** `audit <leadId>`: everything that happened to one lead, who did it and why. */
export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description("a lead's full timeline: every event with its business time, actor, rule and data")
    .argument('<leadId>', 'the lead id (UUID)')
    .option('-f, --format <format>', 'table or json', 'table')
    .action(async (leadId: string, opts: { format: string }) => {
      await withEngine(async (engine) => {
        const history = await engine.get(LeadReader).history(leadId);
        if (opts.format === 'json') return void console.log(JSON.stringify(history, null, 2));
        printTable(
          ['rev', 'occurred at', 'event', 'actor', 'details'],
          history.map((e) => [String(e.revision), e.occurredAt, e.type, e.metadata.actor, summarize(e.data as Record<string, unknown>)]),
        );
      });
    });
}

function summarize(data: Record<string, unknown>): string {
  const { leadId: _, ...rest } = data;
  const text = JSON.stringify(rest);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
