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
import type { BenchResult } from './bench-kit';

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

export async function benchCommandsInProcess(file: string, workers = 64, seconds = 5): Promise<number> {
  const store = new SqliteEventStore({ path: file });
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

/** Starts the real API in a child process (so client and server do not share a core) and drives it over HTTP. */
export async function benchCommandsOverHttp(
  file: string,
  workers = 32,
  seconds = 5,
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
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'x-actor': 'service:bench' }
              : {},
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

export async function benchCommands(dir: string, rawOneEventTps: number): Promise<BenchResult[]> {
  const inProcess = await benchCommandsInProcess(join(dir, 'commands-in-process.sqlite'));
  const http = await benchCommandsOverHttp(join(dir, 'commands-http.sqlite'));
  const pct = (x: number, of: number) => `${((100 * x) / of).toFixed(0)}%`;
  return [
    {
      name: 'commands in process (CommandBus, 64 concurrent lifecycles)',
      value: inProcess,
      unit: 'commands/s',
      comparedWith: `raw one-event SQLite transactions (${pct(inProcess, rawOneEventTps)})`,
    },
    {
      name: 'commands over HTTP (32 concurrent clients)',
      value: http.commands,
      unit: 'commands/s',
      comparedWith: `trivial GET /health on the same server (${pct(http.commands, http.trivialRequests)})`,
    },
    { name: 'HTTP server limit: GET /health (32 concurrent clients)', value: http.trivialRequests, unit: 'requests/s' },
  ];
}
