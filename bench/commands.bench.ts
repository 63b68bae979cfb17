import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CommandBus } from '@nestjs/cqrs';
import { SqliteEventStore } from '@lead/event-store';
import {
  CaptureLeadCommand,
  ConfirmNeedCommand,
  HandToSalesCommand,
  LeadLifecycleModule,
  ReachDecisionMakerCommand,
  RecordActivityCommand,
  ReportSaleOutcomeCommand,
  VerifyBudgetCommand,
  type CommandResult,
} from '@lead/lifecycle';
import { spawn } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { alternate, mechanismsToCompare, type BenchResult } from './bench-kit';

/** The full lifecycle of one lead: 7 commands, 8 events. */
export const LIFECYCLE_COMMANDS = 7;
export const lead = (i: number) => ({
  kind: 'B2B' as const,
  contact: { name: `Lead ${i}`, email: `lead${i}@example.com` },
  company: { name: `Company ${i}`, industry: 'software', employees: 50 },
  source: { channel: 'web_form' as const, origin: 'organic_search' as const },
});

/** Runs `workers` concurrent loops of `lifecycle` for `seconds`; returns commands per second. */
async function drive(workers: number, seconds: number, lifecycle: (i: number) => Promise<void>): Promise<number> {
  let done = 0;
  let next = 0;
  const until = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (Date.now() < until) {
        await lifecycle(next++);
        done += LIFECYCLE_COMMANDS;
      }
    }),
  );
  return done / (Number(process.hrtime.bigint() - started) / 1e9);
}

export async function benchCommandsInProcess(file: string, workers = 64, seconds = 5, groupCommit = true): Promise<number> {
  const store = new SqliteEventStore({ path: file, groupCommit });
  const app = await NestFactory.createApplicationContext(LeadLifecycleModule.forRoot({ eventStore: store }), { logger: false });
  const bus = app.get(CommandBus);
  const rate = await drive(workers, seconds, async (i) => {
    const { leadId } = await bus.execute<CaptureLeadCommand, CommandResult>(new CaptureLeadCommand(lead(i) as never, 'service:bench'));
    await bus.execute(new RecordActivityCommand(leadId, { type: 'whitepaper_download' } as never, 'service:bench'));
    await bus.execute(new ConfirmNeedCommand(leadId, { need: 'CRM', productLine: 'crm' } as never, 'service:bench'));
    await bus.execute(new VerifyBudgetCommand(leadId, { amount: 10000, currency: 'EUR' } as never, 'service:bench'));
    await bus.execute(new ReachDecisionMakerCommand(leadId, { name: 'Boss', role: 'CEO' } as never, 'service:bench'));
    await bus.execute(new HandToSalesCommand(leadId, { owner: 'maria' } as never, 'service:bench'));
    await bus.execute(new ReportSaleOutcomeCommand(leadId, { outcome: 'won' } as never, 'service:bench'));
  });
  await app.close();
  await store.close();
  return rate;
}

/** The bootstrap admin secret of the benchmark's server (it holds the writer role too). */
const BENCH_KEY = 'lle_bench-admin-secret-0123456789abcdefghij';

/**
 * Starts the real API in a child process (so client and server do not share a core) and drives it over HTTP,
 * with authentication on (every command carries an API key) or AUTH=off.
 */
export async function benchCommandsOverHttp(
  file: string,
  { auth = 'on', workers = 32, seconds = 5 }: { auth?: 'on' | 'off'; workers?: number; seconds?: number } = {},
): Promise<{ commands: number; trivialRequests: number }> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join(__dirname, 'http-server.bench-child.ts')],
    {
      cwd: join(__dirname, '..'),
      // A limit no client here reaches: the rate limiter's cost is measured, its refusals are not.
      env: {
        ...process.env,
        SQLITE_PATH: file,
        POLICY_SQLITE_PATH: `${file}.policies`,
        AUTH_SQLITE_PATH: `${file}.auth`,
        AUTH: auth,
        LEADS_ADMIN_KEY: BENCH_KEY,
        PORT: '0',
        POLICIES: 'off',
        RATE_LIMIT: '1000000000',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const port = await new Promise<number>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const m = /^listening (\d+)$/.exec(line);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`API exited with ${code}`)));
    });
    // node:http with keep-alive costs the client far less CPU than fetch, so the server, not the load generator, is measured.
    const agent = new Agent({ keepAlive: true, maxSockets: workers });
    const credential: Record<string, string> = auth === 'on' ? { authorization: `Bearer ${BENCH_KEY}` } : {};
    const request = (method: string, path: string, body?: unknown) =>
      new Promise<{ status: number; json: CommandResult }>((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            path,
            method,
            agent,
            headers: payload
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...credential }
              : credential,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }));
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    const post = async (path: string, body: unknown) => {
      const { status, json } = await request('POST', path, body);
      if (status >= 300) throw new Error(`${path} answered ${status}: ${JSON.stringify(json)}`);
      return json;
    };
    const commands = await drive(workers, seconds, async (i) => {
      const { leadId } = await post('/leads', lead(i));
      await post(`/leads/${leadId}/activities`, { type: 'whitepaper_download' });
      await post(`/leads/${leadId}/need`, { need: 'CRM', productLine: 'crm' });
      await post(`/leads/${leadId}/budget`, { amount: 10000, currency: 'EUR' });
      await post(`/leads/${leadId}/decision-maker`, { name: 'Boss', role: 'CEO' });
      await post(`/leads/${leadId}/hand-to-sales`, { owner: 'maria' });
      await post(`/leads/${leadId}/sale-outcome`, { outcome: 'won' });
    });
    // The HTTP server's own limit: the cheapest request it serves (health reads one row), same clients.
    const trivialRequests = await drive(workers, seconds, async () => {
      for (let k = 0; k < LIFECYCLE_COMMANDS; k++) await request('GET', '/health');
    });
    agent.destroy();
    return { commands, trivialRequests };
  } finally {
    child.kill('SIGTERM');
  }
}

export async function benchCommands(
  dir: string,
  rawOneEventTps: number,
  compare: readonly string[] = mechanismsToCompare(),
): Promise<BenchResult[]> {
  if (compare.length > 0) {
    if (compare.some((m) => m !== 'group-commit')) throw new Error('commands --ab knows one mechanism: group-commit');
    let run = 0;
    return [
      await alternate('group-commit', 'commands in process, 64 concurrent lifecycles', 'commands/s', (on) =>
        benchCommandsInProcess(join(dir, `ab-commands-${run++}.sqlite`), 64, 3, on),
      ),
    ];
  }
  const inProcess = await benchCommandsInProcess(join(dir, 'commands-in-process.sqlite'));
  // Off, on, on, off: each mode's mean sits at the same point in time, so drift on a shared machine cancels out.
  const runs: { auth: 'on' | 'off'; result: { commands: number; trivialRequests: number } }[] = [];
  for (const [i, auth] of (['off', 'on', 'on', 'off'] as const).entries())
    runs.push({ auth, result: await benchCommandsOverHttp(join(dir, `commands-http-${i}.sqlite`), { auth }) });
  const mean = (auth: 'on' | 'off', pick: (r: { commands: number; trivialRequests: number }) => number) => {
    const of = runs.filter((r) => r.auth === auth).map((r) => pick(r.result));
    return of.reduce((a, b) => a + b, 0) / of.length;
  };
  const http = { commands: mean('on', (r) => r.commands), trivialRequests: mean('on', (r) => r.trivialRequests) };
  const authOff = mean('off', (r) => r.commands);
  const pct = (x: number, of: number) => `${((100 * x) / of).toFixed(0)}%`;
  return [
    {
      name: 'commands in process (CommandBus, 64 concurrent lifecycles)',
      value: inProcess,
      unit: 'commands/s',
      comparedWith: `raw one-event SQLite transactions (${pct(inProcess, rawOneEventTps)})`,
    },
    {
      name: 'commands over HTTP, API key on every request (32 concurrent clients)',
      value: http.commands,
      unit: 'commands/s',
      comparedWith: `trivial GET /health on the same server (${pct(http.commands, http.trivialRequests)}); AUTH=off in the same run (${pct(http.commands, authOff)})`,
    },
    {
      name: 'commands over HTTP, AUTH=off (32 concurrent clients)',
      value: authOff,
      unit: 'commands/s',
    },
    { name: 'HTTP server limit: GET /health (32 concurrent clients)', value: http.trivialRequests, unit: 'requests/s' },
  ];
}
