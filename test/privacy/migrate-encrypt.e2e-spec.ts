import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SqliteEventStore } from '@lead/event-store';
import { PersonalDataEventStore, PlaintextPersonalDataError, openPrivacy, sha256Hex } from '@lead/privacy';
import { Test } from '@nestjs/testing';
import { LeadLifecycleModule } from '@lead/lifecycle';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const LEAD = randomUUID();
const captured = {
  leadId: LEAD,
  kind: 'B2C',
  contact: { name: 'Eufrosina Plaintextu', email: 'eufrosina@old-store.test' },
  source: { channel: 'web_form' },
  normalizedEmail: 'eufrosina@old-store.test',
};

describe('a store written before encryption', () => {
  let dir: string;
  let oldPath: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lead-migrate-'));
    oldPath = join(dir, 'old', 'leads.sqlite');
    const old = new SqliteEventStore({ path: oldPath });
    const metadata = { actor: 'user:ana', occurredAt: '2025-01-01T00:00:00.000Z', schemaVersion: 1 };
    await old.appendToStream(`contact-email-${sha256Hex(captured.normalizedEmail)}`, [
      { id: randomUUID(), type: 'ContactClaimed', data: { leadId: LEAD, kind: 'email' }, metadata },
    ]);
    await old.appendToStream(`lead-${LEAD}`, [{ id: randomUUID(), type: 'LeadCaptured', data: captured, metadata }]);
    await old.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused at start, with the command that copies it into an encrypted one', async () => {
    const refusal = Test.createTestingModule({ imports: [LeadLifecycleModule.forRoot({ eventStore: { kind: 'sqlite', path: oldPath } })] })
      .setLogger({ log: () => undefined, error: () => undefined, warn: () => undefined })
      .compile();
    await expect(refusal).rejects.toBeInstanceOf(PlaintextPersonalDataError);
    await expect(refusal).rejects.toThrow(/npm run cli -- migrate encrypt --from <old.sqlite> --to <new.sqlite>/);
  });

  it('migrate encrypt copies it with personal data encrypted and keyed claim names; the engine starts on the copy', async () => {
    const newPath = join(dir, 'new', 'leads.sqlite');
    const { stdout } = await run(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        'apps/cli/src/main.ts',
        'migrate',
        'encrypt',
        '--from',
        oldPath,
        '--to',
        newPath,
      ],
      { cwd: ROOT, env: { ...process.env, KEYS_SQLITE_PATH: '' } },
    );
    expect(stdout).toContain('Copied 2 events of 1 leads');
    expect(stdout).toContain('1 contact claims renamed');
    for (const suffix of ['', '-wal']) {
      const bytes = (() => {
        try {
          return readFileSync(newPath + suffix);
        } catch {
          return Buffer.alloc(0);
        }
      })();
      for (const value of ['Eufrosina', 'eufrosina@old-store.test', sha256Hex(captured.normalizedEmail)])
        expect(bytes.includes(value)).toBe(false);
    }

    const env = { ...process.env, KEYS_SQLITE_PATH: '' };
    const store = new PersonalDataEventStore(new SqliteEventStore({ path: newPath }), await openPrivacy({}, newPath, env));
    try {
      await store.start();
      expect((await store.readStream(`lead-${LEAD}`)).map((e) => e.data)).toEqual([captured]);
      const claims = (await store.readAll()).filter((e) => e.type === 'ContactClaimed').map((e) => e.streamId);
      expect(claims).toEqual([store.contactKeys.claimStream('email', captured.normalizedEmail)]);
    } finally {
      await store.close();
    }
  }, 60_000);
});
