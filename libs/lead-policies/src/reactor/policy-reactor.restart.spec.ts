import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { LeadEventMetadata } from '@lead/domain';
import { SqliteKeyStore, loadOrCreateKeyFile } from '@lead/privacy';
import { SqliteEventStore, parsePosition, comparePositions, type RecordedEvent } from '@lead/event-store';
import { openTestEngine, type TestEngine } from '../policies.test-kit';
import { SqlitePolicyStore } from '../policy-state/sqlite-policy-store';

const ROOT = resolve(__dirname, '..', '..', '..', '..');
const CHILD = join(__dirname, 'policy-reactor.restart-child.ts');

/** Runs the engine in a child process; resolves with its announcement once it crashed (and was SIGKILLed) or went idle. */
function runChild(
  files: { events: string; policies: string },
  crashAfter?: string,
): Promise<{ crashed?: { eventId: string; position: string } }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', CHILD], {
      cwd: ROOT,
      env: {
        ...process.env,
        TS_NODE_TRANSPILE_ONLY: 'true',
        EVENTS_FILE: files.events,
        KEYS_SQLITE_PATH: '', // the data keys beside the events file
        POLICIES_FILE: files.policies,
        CRASH_AFTER: crashAfter ?? '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let result: { crashed?: { eventId: string; position: string } } | undefined;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [word, eventId, position] = line.split(' ');
      if (word === 'crash') {
        result = { crashed: { eventId, position } };
        child.kill('SIGKILL'); // between the reaction and the checkpoint
      } else if (word === 'idle') result = {};
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result && (signal === 'SIGKILL' || code === 0)) resolvePromise(result);
      else reject(new Error(`the engine exited (code ${code}, signal ${signal}) without announcing anything: ${stderr}`));
    });
  });
}

const meta = (e: RecordedEvent) => e.metadata as LeadEventMetadata;

describe('the policy reactor across crashes (SIGKILL between an event and its checkpoint)', () => {
  let dir: string;
  let files: { events: string; policies: string };
  let store: SqliteEventStore;
  let writer: TestEngine;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'policy-restart-'));
    files = { events: join(dir, 'leads.sqlite'), policies: join(dir, 'policies.sqlite') };
    store = new SqliteEventStore({ path: files.events });
    // The writer sends the commands people would; its own reactor is off.
    // The data keys where the engine in the child finds them: beside the events file.
    const privacy = { keyStore: new SqliteKeyStore(join(dir, 'keys.sqlite')), masterKey: loadOrCreateKeyFile(join(dir, 'master.key')) };
    writer = await openTestEngine({ store, policies: { reactor: false }, privacy });
    await writer.models.bootstrap(); // the default model is active before any lead arrives
  });
  afterAll(async () => {
    await writer?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const qualifiedHotLead = async (email: string) => {
    const { leadId } = await writer.send({
      type: 'CaptureLead',
      data: {
        kind: 'B2B',
        contact: { name: 'Ana', email },
        company: { name: 'Acme', industry: 'software' },
        source: { channel: 'referral' },
      },
      actor: 'service:web-forms',
    });
    for (const activityType of ['call_booked', 'price_request'])
      await writer.send({ type: 'RecordActivity', leadId, data: { activityType }, actor: 'service:web' });
    await writer.send({ type: 'ConfirmNeed', leadId, data: { need: 'CRM', productLine: 'crm' } });
    await writer.send({ type: 'VerifyBudget', leadId, data: { amount: 10_000, currency: 'EUR' } });
    await writer.send({ type: 'ReachDecisionMaker', leadId, data: { name: 'Ion', role: 'CEO' } });
    return leadId;
  };

  const checkpoint = async () => {
    const policies = new SqlitePolicyStore(files.policies);
    try {
      return await policies.checkpoint();
    } finally {
      await policies.close();
    }
  };

  it('makes each reaction exactly once', async () => {
    const first = await qualifiedHotLead('first@acme.ro');

    // Each round dies right after sending the reactions to one event, before storing its checkpoint.
    for (const crashAfter of ['LeadCaptured:1', 'LeadQualified:1', 'LeadAssigned:1']) {
      const { crashed } = await runChild(files, crashAfter);
      expect(crashed).toBeDefined();
      // The reaction is in the store, the checkpoint is not past its trigger: a restart will see the trigger again.
      const reactions = (await store.readAll()).filter(
        (e) => meta(e).causationId === crashed!.eventId && meta(e).actor.startsWith('policy:'),
      );
      expect(reactions).toHaveLength(1);
      const stored = await checkpoint();
      expect(stored === null || comparePositions(parsePosition(stored.commit), parsePosition(crashed!.position)) < 0).toBe(true);
    }

    const second = await qualifiedHotLead('second@acme.ro');
    expect(await runChild(files)).toEqual({});

    const all = await store.readAll();
    const byId = new Map(all.map((e) => [e.id, e]));
    const reactions = all.filter((e) => meta(e).actor.startsWith('policy:'));
    // Exactly once: no trigger caused the same kind of reaction twice.
    const perCause = new Map<string, number>();
    for (const e of reactions)
      perCause.set(`${meta(e).causationId} ${e.type}`, (perCause.get(`${meta(e).causationId} ${e.type}`) ?? 0) + 1);
    expect([...perCause.values()].every((n) => n === 1)).toBe(true);

    for (const leadId of [first, second]) {
      const events = all.filter((e) => e.streamId === `lead-${leadId}`);
      const count = (type: string) => events.filter((e) => e.type === type).length;
      expect([count('LeadAssigned'), count('HandedToSales')]).toEqual([1, 1]);
      const captured = events.find((e) => e.type === 'LeadCaptured')!;
      expect(events.filter((e) => e.type === 'LeadScored' && meta(e).causationId === captured.id)).toHaveLength(1);
      expect(byId.get(meta(events.find((e) => e.type === 'LeadAssigned')!).causationId)?.type).toBe('LeadQualified');
    }
    // The round-robin counter moved once for the first lead, despite the crash after its assignment.
    const owners = all.filter((e) => e.type === 'LeadAssigned').map((e) => (e.data as { owner: string }).owner);
    expect(owners).toEqual(['maria', 'andrei']);
    expect(all.filter((e) => e.type === 'ScoringModelActivated')).toHaveLength(1);
  }, 60_000);
});
