import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createApp } from '../apps/api/src/app.factory';

// The API as `npm start` runs it (embedded store from SQLITE_PATH), on a free port announced on stdout.
// The parent sets POLICIES=off so the figure is the command path alone, not the scoring reactions it triggers.
void (async () => {
  const app = await createApp({}, { logger: false });
  await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  console.log(`listening ${(app.getHttpServer().address() as AddressInfo).port}`);
})();
