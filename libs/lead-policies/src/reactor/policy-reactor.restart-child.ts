/**
 * The engine with its policy reactor in a process of its own, for the restart spec. With
 * CRASH_AFTER="<EventType>:<n>" it announces "crash <eventId> <position>" once the reactions to the
 * n-th such event were sent — before its state and checkpoint are stored — and hangs there until
 * the spec SIGKILLs it. Without, it prints "idle" once everything is handled and exits.
 */
import 'reflect-metadata';
import { Module, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { formatPosition, type RecordedEvent } from '@lead/event-store';
import { LeadLifecycleModule } from '@lead/lifecycle';
import { LeadPoliciesModule, PolicyReactor } from '@lead/policies';

const [crashType, crashNth] = (process.env.CRASH_AFTER ?? '').split(':');
let seen = 0;

const hooks = {
  afterReactions(event: RecordedEvent): Promise<void> | void {
    if (event.type !== crashType || ++seen !== Number(crashNth)) return;
    process.stdout.write(`crash ${event.id} ${formatPosition(event.position)}\n`);
    return new Promise<void>(() => undefined); // never stores this event's checkpoint
  },
};

const quiet: LoggerService = {
  log() {},
  warn() {},
  debug() {},
  verbose() {},
  error: (m: unknown) => process.stderr.write(`${String(m)}\n`),
};

@Module({
  imports: [
    LeadLifecycleModule.forRoot({ eventStore: { kind: 'sqlite', path: process.env.EVENTS_FILE! } }),
    LeadPoliciesModule.forRoot({ stateStore: { kind: 'sqlite', path: process.env.POLICIES_FILE! }, sweepIntervalMs: 3_600_000, hooks }),
  ],
})
class ChildModule {}

void (async () => {
  const app = await NestFactory.createApplicationContext(ChildModule, { logger: quiet });
  if (crashType) return;
  await app.get(PolicyReactor).idle(20_000);
  process.stdout.write('idle\n');
  await app.close();
})().catch((error: Error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
