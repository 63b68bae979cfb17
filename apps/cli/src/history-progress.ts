import type { ReadProgress } from '@lead/policies';
import { Presets, SingleBar } from 'cli-progress';

/** A progress bar over the log (by position), on stderr so that --format json stays clean. */
export function historyProgress(label: string): { update(p: ReadProgress): void; stop(): void } {
  const bar = new SingleBar(
    { format: `${label} |{bar}| {percentage}% | {events} events | {eta_formatted} left`, stream: process.stderr },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const total = p.head ? Number(p.head.commit) : 1;
      if (!started) bar.start(total, 0, { events: 0 });
      started = true;
      bar.update(Math.min(Number(p.position.commit), total), { events: p.events });
    },
    stop: () => started && bar.stop(),
  };
}
