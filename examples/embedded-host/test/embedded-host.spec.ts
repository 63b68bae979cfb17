import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CommandBus } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore } from '@lead/event-store';
import { CaptureLeadCommand, HandToSalesCommand, LeadLifecycleModule, type CommandResult } from '@lead/lifecycle';
import { EmbeddedHostModule, HandOffNotifier, LeadIntake, RecentLeadEvents } from '../src';

const HOST = 'acme-crm';
const form = { submissionId: 'form-0001', name: 'Ana Pop', email: 'ana.pop@acme.ro', company: 'Acme SRL' };
const facts = { need: 'CRM for 40 sales reps', budgetEur: 20000, decisionMaker: 'Ion Rusu', owner: 'maria' };

async function start(dataDir: string): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [EmbeddedHostModule.forRoot({ name: HOST, dataDir })] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

async function eventually<T>(probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a host embedding the engine from its packages', () => {
  let dataDir: string;
  let app: INestApplication | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'embedded-host-'));
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loads the engine from the compiled packages, not from their sources', () => {
    for (const pkg of ['@lead/domain', '@lead/event-store', '@lead/lifecycle', '@lead/projections']) {
      expect(require.resolve(pkg)).toMatch(/[/\\]libs[/\\][a-z-]+[/\\]dist[/\\]index\.js$/);
    }
  });

  it('sends commands through the CommandBus as host:<name>, sees them in process, and reads the pipeline', async () => {
    app = await start(dataDir);
    const intake = app.get(LeadIntake);

    const captured = await intake.capture(form);
    expect(captured).toMatchObject({ revision: 0, events: ['LeadCaptured'] });
    expect(await intake.capture(form)).toEqual(captured);
    const handed = await intake.qualifyAndHandOff(captured.leadId, facts);
    expect(handed).toMatchObject({ leadId: captured.leadId, revision: 5, events: ['HandedToSales'] });

    expect(app.get(RecentLeadEvents).seen.map(({ type, leadId, actor }) => ({ type, leadId, actor }))).toEqual(
      ['LeadCaptured', 'NeedConfirmed', 'BudgetVerified', 'DecisionMakerReached', 'LeadQualified', 'HandedToSales'].map((type) => ({
        type,
        leadId: captured.leadId,
        actor: 'host:acme-crm',
      })),
    );
    const stored = await app.get<EventStore>(EVENT_STORE).readAll();
    expect(new Set(stored.filter((e) => e.streamId.startsWith('lead-')).map((e) => e.metadata.actor))).toEqual(new Set(['host:acme-crm']));

    expect(await intake.pipelineEntry(captured.leadId, handed.position)).toMatchObject({
      leadId: captured.leadId,
      stage: 'handed_to_sales',
      owner: 'maria',
      companyName: 'Acme SRL',
    });
  });

  it('delivers hand-offs from its checkpoint: one appended while the host was down after a restart, none twice', async () => {
    app = await start(dataDir);
    const first = await app.get(LeadIntake).capture(form);
    await app.get(LeadIntake).qualifyAndHandOff(first.leadId, facts);
    await eventually(() => (app!.get(HandOffNotifier).notices.length === 1 ? true : undefined));
    await app.close();

    // While the host is down, another process of the engine hands off a second lead.
    const other = await Test.createTestingModule({
      imports: [LeadLifecycleModule.forRoot({ eventStore: { kind: 'sqlite', path: join(dataDir, 'events.sqlite') } })],
    }).compile();
    const engine = await other.createNestApplication({ logger: false }).init();
    const bus = engine.get(CommandBus);
    const second = await bus.execute<CaptureLeadCommand, CommandResult>(
      new CaptureLeadCommand(
        { kind: 'B2C', contact: { name: 'Ion Dan', email: 'ion@beta.ro' }, source: { channel: 'web_form' } },
        'host:other',
      ),
    );
    await bus.execute(new HandToSalesCommand(second.leadId, { owner: 'radu', override: { reason: 'existing customer' } }, 'host:other'));
    await engine.close();

    app = await start(dataDir);
    const notices = await eventually(() => {
      const n = app!.get(HandOffNotifier).notices;
      return n.length >= 1 ? n : undefined;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(notices.map(({ leadId, owner }) => ({ leadId, owner }))).toEqual([{ leadId: second.leadId, owner: 'radu' }]);
  });

  it('serves its own web-form endpoint: a complete form becomes a lead, an incomplete one is refused and writes nothing', async () => {
    app = await start(dataDir);
    await app.listen(0);
    const base = await app.getUrl();
    const post = (body: object) =>
      fetch(`${base}/web-form`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const refused = await post({ submissionId: 'form-0003', name: 'Ana Pop' });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toBe('required: email, company');
    const before = (await app.get<EventStore>(EVENT_STORE).readAll()).filter((e) => e.streamId.startsWith('lead-'));
    expect(before).toEqual([]);

    const accepted = await post(form);
    expect(accepted.status).toBe(201);
    const { leadId, position } = (await accepted.json()) as { leadId: string; position: string };
    const stage = await fetch(`${base}/web-form/${leadId}?after=${position}`);
    expect(await stage.json()).toEqual({ leadId, stage: 'open' });
  });

  it('refuses a host name that cannot be an actor id', () => {
    expect(() => EmbeddedHostModule.forRoot({ name: 'Acme CRM', dataDir })).toThrow('host name "Acme CRM"');
  });
});
