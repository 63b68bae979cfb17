import { rawReadParsePerSecond } from '../event-store.bench';
console.log('raw/s', Math.round(rawReadParsePerSecond('/tmp/scratch/prof-events.sqlite')));
console.log('raw/s', Math.round(rawReadParsePerSecond('/tmp/scratch/prof-events.sqlite')));
