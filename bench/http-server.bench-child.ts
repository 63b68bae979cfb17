import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createApp } from '../apps/api/src/app.factory';

// The API as `npm start` runs it (embedded store from SQLITE_PATH), on a free port announced on stdout.
// The command path alone: the parent sets POLICIES=off (no scoring reactions) and read models stay off here.
void (async () => {
  const app = await createApp({ projections: false }, { logger: false });
  await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  console.log(`listening ${(app.getHttpServer().address() as AddressInfo).port}`);
})();
