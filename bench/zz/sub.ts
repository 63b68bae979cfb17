import { SqliteEventStore } from '@lead/event-store';
import { EventBatcher } from '../../libs/projections/src/runner/event-batcher';
import { decodeLeadEvent } from '../../libs/projections/src/runner/projection';

async function main() {
  const store = new SqliteEventStore({ path: '/tmp/scratch/prof-events.sqlite', synchronous: 'NORMAL' });
  const head = (await store.headPosition())!.commit;
  for (const mode of ['iterate', 'batcher', 'batcher+decode', 'iterate', 'batcher', 'batcher+decode']) {
    const sub = store.subscribeToAll({});
    const t = process.hrtime.bigint();
    let n = 0;
    if (mode === 'iterate') {
      for await (const e of sub) { n++; if (e.position.commit === head) break; }
    } else {
      const b = new EventBatcher(sub, 1000);
      for (;;) {
        const batch = (await b.next())!;
        if (mode === 'batcher+decode') batch.map(decodeLeadEvent);
        n += batch.length;
        if (batch[batch.length - 1].position.commit === head) break;
      }
    }
    await sub.unsubscribe();
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    console.log(mode, Math.round(n / ms * 1000), '/s');
  }
}
main();
