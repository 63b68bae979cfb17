import type { INestApplication } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectionRunner } from '@lead/projections';
import { createApp } from '../../apps/api/src/app.factory';
import { TEST_ADMIN_KEY, authedClient } from '../support/authed-app';
import { listen } from '../support/http';

/** Values that appear nowhere else, so that a hit in a file can only be this person's data. */
const person = (tag: string) => ({
  name: `Zenobia ${tag}escu`,
  email: `zenobia.${tag}@quokka-mail.test`,
  phone: `+40 744 ${tag === 'erased' ? '901' : '902'} 377`,
  decisionMaker: `Bartolomeu ${tag}ovici`,
  note: `Spoke to Zenobia ${tag}escu at the fair`,
});
const ERASED = person('erased');
const KEPT = person('kept');

const ENV_KEYS = ['SQLITE_PATH', 'KEYS_SQLITE_PATH', 'READ_STORE', 'LEADS_MASTER_KEY', 'EVENT_STORE'] as const;

describe('erasure erases (embedded store, the real app on a data directory of its own)', () => {
  let dir: string;
  let app: INestApplication | undefined;
  let http: ReturnType<typeof authedClient>;
  const saved: Record<string, string | undefined> = {};
  const logs: string[] = [];
  let restoreLogs: () => void;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lead-erasure-'));
    for (const k of ENV_KEYS) saved[k] = process.env[k];
    for (const k of ENV_KEYS) delete process.env[k];
    process.env.SQLITE_PATH = join(dir, 'leads.sqlite');
    const capture = (stream: NodeJS.WriteStream) => {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        logs.push(chunk.toString());
        return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
      return () => (stream.write = write);
    };
    const restores = [capture(process.stdout), capture(process.stderr)];
    restoreLogs = () => restores.forEach((r) => r());
    app = await createApp({ auth: { adminKey: TEST_ADMIN_KEY, print: () => undefined } }, { logger: true });
    http = authedClient(await listen(app), TEST_ADMIN_KEY);
  });
  afterAll(async () => {
    await app?.close();
    restoreLogs?.();
    for (const k of ENV_KEYS)
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    rmSync(dir, { recursive: true, force: true });
  });

  async function lifeOf(p: ReturnType<typeof person>): Promise<string> {
    const captured = await http.post('/leads', {
      kind: 'B2B',
      contact: { name: p.name, email: p.email, phone: p.phone },
      company: { name: 'Quokka Logistics', industry: 'logistics' },
      source: { channel: 'web_form', origin: 'organic_search' },
    });
    expect(captured.status).toBe(201);
    const id = captured.body.leadId as string;
    expect((await http.post(`/leads/${id}/decision-maker`, { name: p.decisionMaker, role: 'CEO' })).status).toBeLessThan(300);
    expect((await http.post(`/leads/${id}/disqualify`, { reason: 'no_need', note: p.note })).status).toBeLessThan(300);
    return id;
  }

  const caughtUp = async () => {
    await new Promise((r) => setTimeout(r, 300));
    await app!.get(ProjectionRunner).waitUntilCaughtUp(20_000);
  };

  it('leaves no trace of the erased lead in any answer, file or log line; the figures are unchanged; a rebuild brings nothing back', async () => {
    const erasedId = await lifeOf(ERASED);
    const keptId = await lifeOf(KEPT);
    await caughtUp();
    // asOf moves on (erasure and rebuild requests are audit events of their own); the figures do not.
    const figures = ({ asOf: _asOf, ...rest }: Record<string, unknown>) => rest;
    const funnelBefore = figures((await http.get('/funnel?from=2000-01-01')).body);
    const disqualificationsBefore = (await http.get('/disqualifications')).body;
    expect(JSON.stringify((await http.get(`/leads/${erasedId}/history`)).body)).toContain(ERASED.email);

    const erased = await http.post(`/leads/${erasedId}/erase`, { reason: 'GDPR art. 17 request' });
    expect(erased.status).toBeLessThan(300);
    await caughtUp();

    const history = (await http.get(`/leads/${erasedId}/history`)).body;
    const historyText = JSON.stringify(history);
    for (const value of Object.values(ERASED)) expect(historyText).not.toContain(value);
    expect(history.events[0]).toMatchObject({ type: 'LeadCaptured', data: { contact: { name: null, email: null }, erased: true } });
    expect(JSON.stringify((await http.get(`/leads/${keptId}/history`)).body)).toContain(KEPT.email);

    const answers = async () =>
      JSON.stringify(
        await Promise.all(['/pipeline', '/nurture-queue', '/disqualifications', `/leads/${erasedId}`].map((p) => http.get(p))),
      );
    for (const value of Object.values(ERASED)) expect(await answers()).not.toContain(value);
    expect(figures((await http.get('/funnel?from=2000-01-01')).body)).toEqual(funnelBefore);
    expect((await http.get('/disqualifications')).body.items?.length).toEqual(disqualificationsBefore.items?.length);

    for (const name of ['pipeline', 'disqualifications', 'funnel', 'nurture-queue'])
      expect((await http.post(`/projections/${name}/rebuild`)).status).toBeLessThan(300);
    await caughtUp();
    for (const value of Object.values(ERASED)) expect(await answers()).not.toContain(value);
    expect(figures((await http.get('/funnel?from=2000-01-01')).body)).toEqual(funnelBefore);
    expect(JSON.stringify((await http.get('/pipeline')).body)).toContain(KEPT.name);

    // Stop the engine, then look at every byte it left behind.
    await app!.close();
    app = undefined;
    const files = readdirSync(dir).map((f) => join(dir, f));
    expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(
      expect.arrayContaining(['keys.sqlite', 'leads.read.sqlite', 'leads.sqlite', 'master.key', 'policies.sqlite']),
    );
    const disk = Buffer.concat(files.map((f) => readFileSync(f)));
    const logText = logs.join('');
    const needles = (p: ReturnType<typeof person>) => [
      p.name,
      p.email,
      p.phone,
      p.decisionMaker,
      p.note,
      createHash('sha256').update(p.email).digest('hex'),
    ];
    for (const needle of needles(ERASED)) {
      expect({ needle, onDisk: disk.includes(Buffer.from(needle, 'utf8')) }).toEqual({ needle, onDisk: false });
      expect({ needle, inLogs: logText.includes(needle) }).toEqual({ needle, inLogs: false });
    }
    // The scan finds what is there: the kept lead's name lives in the pipeline read model.
    expect(disk.includes(Buffer.from(KEPT.name, 'utf8'))).toBe(true);
  }, 90_000);
});
