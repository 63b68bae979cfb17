import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { authOptionsFromEnv } from '@lead/auth';
import { createApp } from '../../apps/api/src/app.factory';
import { bearer } from '../support/authed-app';
import { listen } from '../support/http';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

describe('lead-engine keys and audit', () => {
  let dir: string;
  let env: Record<string, string>;
  const cli = (...args: string[]) =>
    run(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/cli/src/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });

  const inheritedKeys = process.env.KEYS_SQLITE_PATH;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lead-engine-keys-'));
    // The app here and the CLI processes open one data directory, data keys included.
    env = { SQLITE_PATH: join(dir, 'leads.sqlite'), KEYS_SQLITE_PATH: join(dir, 'keys.sqlite'), AUTH: 'on' };
    process.env.KEYS_SQLITE_PATH = env.KEYS_SQLITE_PATH;
  });
  afterAll(() => {
    process.env.KEYS_SQLITE_PATH = inheritedKeys;
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a key the API accepts, lists it without the secret, revokes it, and audits each act', async () => {
    const created = await cli('keys', 'create', '--name', 'crm-sync', '--role', 'writer,analyst');
    const key = /(lle_[\w-]{43})/.exec(created.stdout)![1];

    const app = await createApp(
      { eventStore: { kind: 'sqlite', path: env.SQLITE_PATH }, projections: false, policies: false, auth: authOptionsFromEnv(env) },
      { logger: false },
    );
    try {
      const http = await listen(app);
      const captured = await http.post(
        '/leads',
        { kind: 'B2C', contact: { name: 'Ana', email: 'ana@x.ro' }, source: { channel: 'web_form' } },
        bearer(key),
      );
      expect(captured.status).toBe(201);
      const audit = await cli('audit', captured.body.leadId);
      expect(audit.stdout).toMatch(/LeadCaptured\s+key:crm-sync/);
    } finally {
      await app.close();
    }

    const listed = JSON.parse((await cli('keys', 'list', '--format', 'json')).stdout);
    expect(listed).toEqual([expect.objectContaining({ name: 'crm-sync', roles: ['writer', 'analyst'], revokedAt: null })]);
    expect(JSON.stringify(listed)).not.toContain(key);

    expect((await cli('keys', 'revoke', 'crm-sync')).stdout).toContain('Key "crm-sync" revoked');
    await expect(cli('keys', 'create', '--name', 'crm-sync', '--role', 'writer')).rejects.toMatchObject({
      stderr: expect.stringContaining('exists already'),
    });

    const security = JSON.parse((await cli('audit', 'security', '--format', 'json')).stdout);
    expect(security.map((e: { type: string; data: unknown; actorKind: string }) => [e.type, e.data, e.actorKind])).toEqual([
      ['ApiKeyCreated', { name: 'crm-sync', roles: ['writer', 'analyst'] }, 'host'],
      ['ApiKeyRevoked', { name: 'crm-sync' }, 'host'],
    ]);
    expect(security[0].actor).toMatch(/^host:cli:/);
  }, 90_000);
});
