import type { Command } from 'commander';
import { SecurityAudit } from '@lead/auth';
import { EVENT_STORE, type EventStore } from '@lead/event-store';
import { LeadReader } from '@lead/lifecycle';
import { withEngine } from '../cli.context';
import { printTable } from '../output';

/** `audit <leadId>`: everything that happened to one lead, who did it and why; `audit security`: the security-relevant acts. */
export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description(
      "a lead's full timeline: every event with its business time, actor, on whose behalf, rule, model version and data; " +
        '`audit security`: keys created and revoked, models activated and trained, rebuilds and erasures, with their principal',
    )
    .argument('<leadId>', 'the lead id (UUID), or "security"')
    .option('-f, --format <format>', 'table or json', 'table')
    .action(async (leadId: string, opts: { format: string }) => {
      await withEngine(async (engine) => {
        if (leadId === 'security') return printSecurity(new SecurityAudit(engine.get<EventStore>(EVENT_STORE)), opts.format);
        const history = await engine.get(LeadReader).history(leadId);
        if (opts.format === 'json') return void console.log(JSON.stringify(history, null, 2));
        printTable(
          ['rev', 'occurred at', 'event', 'actor', 'on behalf of', 'rule / model', 'details'],
          history.map((e) => [
            String(e.revision),
            e.occurredAt,
            e.type,
            e.by.actor,
            e.by.onBehalfOf ?? '',
            [e.by.rule, e.by.modelVersion && `model ${e.by.modelVersion}`].filter(Boolean).join(', '),
            summarize(e.data as Record<string, unknown>),
          ]),
        );
      });
    });
}

async function printSecurity(audit: SecurityAudit, format: string): Promise<void> {
  const entries = await audit.list();
  if (format === 'json') return void console.log(JSON.stringify(entries, null, 2));
  printTable(
    ['position', 'at', 'act', 'actor', 'kind', 'details'],
    entries.map((e) => [e.position, e.at, e.type, e.actor, e.actorKind, JSON.stringify(e.data)]),
  );
}

function summarize(data: Record<string, unknown>): string {
  const { leadId: _, ...rest } = data;
  const text = JSON.stringify(rest);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
