import type { Command } from 'commander';
import { EVENT_STORE, formatPosition, type EventStore } from '@lead/event-store';
import { ProjectionRunner, ProjectionsModule, READ_STORE, type ReadStore } from '@lead/projections';
import { Presets, SingleBar } from 'cli-progress';
import { withEngine } from '../cli.context';
import { fail, printTable } from '../output';

/**
 * `projections status` and `projections rebuild <name|all>` on the read store the environment names
 * (READ_STORE, READ_SQLITE_PATH, MONGODB_URL). A running API rebuilds without stopping through
 * POST /projections/:name/rebuild; this command is for maintenance windows and scripts.
 */
export function registerProjections(program: Command): void {
  const projections = program.command('projections').description('read models: status and rebuild from the event history');

  projections
    .command('status')
    .description('checkpoint and lag of every projection, as stored (it starts nothing)')
    .action(async () => {
      await withEngine(
        async (engine) => {
          const readStore = engine.get<ReadStore>(READ_STORE);
          const head = await engine.get<EventStore>(EVENT_STORE).headPosition();
          const rows = await Promise.all(
            engine.get(ProjectionRunner).names.map(async (name) => {
              const checkpoint = await readStore.checkpoint(name);
              const at = checkpoint?.position ? formatPosition(checkpoint.position) : '-';
              const state = checkpoint?.resetting
                ? 'rebuild interrupted'
                : !checkpoint?.position
                  ? 'empty'
                  : head && checkpoint.position.commit >= head.commit
                    ? 'up to date'
                    : 'behind';
              return [name, `v${checkpoint?.version ?? '-'}`, at, head ? formatPosition(head) : '-', state];
            }),
          );
          printTable(['projection', 'version', 'checkpoint', 'head of the log', 'state'], rows);
        },
        { imports: [ProjectionsModule.forRoot({ autoStart: false })] },
      );
    });

  projections
    .command('rebuild')
    .description('empty a read model and replay the whole event history into it, with progress')
    .argument('<name>', 'pipeline, nurture-queue, funnel, disqualifications, or all')
    .action(async (name: string) => {
      await withEngine(
        async (engine) => {
          const runner = engine.get(ProjectionRunner);
          const names = name === 'all' ? runner.names : [name];
          for (const n of names) if (!runner.names.includes(n)) fail(`unknown projection "${n}" (known: ${runner.names.join(', ')}, all)`);
          await runner.start();
          for (const n of names) await runner.rebuild(n);
          const started = Date.now();
          const total = Math.max(1, ...(await runner.status()).filter((s) => names.includes(s.name)).map((s) => s.eventsBehind));
          const bar = new SingleBar({ format: 'rebuilding |{bar}| {value}/{total} events | {eta_formatted} left' }, Presets.shades_classic);
          bar.start(total, 0);
          const timer = setInterval(() => {
            void runner
              .status()
              .then((all) => bar.update(total - Math.max(0, ...all.filter((s) => names.includes(s.name)).map((s) => s.eventsBehind))));
          }, 250);
          try {
            await runner.waitUntilCaughtUp(24 * 3600_000);
          } finally {
            clearInterval(timer);
            bar.update(total);
            bar.stop();
          }
          const failed = (await runner.status()).filter((s) => names.includes(s.name) && s.state === 'stopped_with_error');
          if (failed.length) fail(failed.map((s) => `${s.name}: ${s.error?.message}`).join('\n'));
          console.log(`rebuilt ${names.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
          await runner.stop();
        },
        { imports: [ProjectionsModule.forRoot({ autoStart: false })] },
      );
    });
}
