import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';

async function bootstrap(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  const app = await createApp();
  await app.listen(port);
  Logger.log(`Lead lifecycle engine listening on http://localhost:${port} (OpenAPI docs at /docs)`, 'Bootstrap');
}

void bootstrap();
