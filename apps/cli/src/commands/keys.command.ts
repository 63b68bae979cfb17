import type { Command } from 'commander';
import { ApiKeys, SecurityAudit, authOptionsFromEnv, createApiKeyStore, isApiKeyStore, type Principal } from '@lead/auth';
import { EVENT_STORE, type EventStore } from '@lead/event-store';
import { userInfo } from 'node:os';
import { withEngine } from '../cli.context';
import { printTable } from '../output';

/** Whoever runs the CLI has the data directory (or the database credentials) in hand: recorded as host:cli:<os user>. */
const operator = (): Principal => ({ kind: 'host', id: `cli:${userInfo().username}`, roles: ['admin'] });

async function withKeys<T>(work: (keys: ApiKeys, audit: SecurityAudit) => Promise<T>): Promise<T> {
  const config = authOptionsFromEnv().keyStore;
  const store = isApiKeyStore(config) ? config : await createApiKeyStore(config!);
  try {
    return await withEngine((engine) => work(new ApiKeys(store), new SecurityAudit(engine.get<EventStore>(EVENT_STORE))));
  } finally {
    await store.close();
  }
}

/** `keys create|list|revoke`: the API keys of the deployment, in the same store the API reads. */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('API keys: create (shown once), list (never the key), revoke');

  keys
    .command('create')
    .description('create a key; it is printed once and stored only as a hash')
    .requiredOption('--name <name>', 'a name for the key (never reused)')
    .requiredOption('--role <roles>', 'comma-separated roles: writer, analyst, auditor, admin, service')
    .action(async (opts: { name: string; role: string }) => {
      const roles = opts.role.split(',').map((r) => r.trim());
      await withKeys(async (apiKeys, audit) => {
        const created = await apiKeys.create(opts.name, roles);
        await audit.record({ type: 'ApiKeyCreated', data: { name: created.name, roles: created.roles } }, operator());
        console.log(`Key "${created.name}" (${created.roles.join(', ')}) — shown once, keep it now:\n\n  ${created.key}\n`);
      });
    });

  keys
    .command('list')
    .description('every key with its roles and times; never the key or its hash')
    .option('-f, --format <format>', 'table or json', 'table')
    .action(async (opts: { format: string }) => {
      await withKeys(async (apiKeys) => {
        const list = await apiKeys.list();
        if (opts.format === 'json') return void console.log(JSON.stringify(list, null, 2));
        printTable(
          ['name', 'roles', 'created', 'last used', 'revoked'],
          list.map((k) => [k.name, k.roles.join(','), k.createdAt, k.lastUsedAt ?? '', k.revokedAt ?? '']),
        );
      });
    });

  keys
    .command('revoke')
    .description('revoke a key: every instance refuses it within 2 s')
    .argument('<name>', 'the key name')
    .action(async (name: string) => {
      await withKeys(async (apiKeys, audit) => {
        await apiKeys.revoke(name);
        await audit.record({ type: 'ApiKeyRevoked', data: { name } }, operator());
        console.log(`Key "${name}" revoked`);
      });
    });
}
