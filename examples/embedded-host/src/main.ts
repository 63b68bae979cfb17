import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { EmbeddedHostModule } from './embedded-host.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(
    EmbeddedHostModule.forRoot({ name: process.env.HOST_NAME ?? 'acme-crm', dataDir: process.env.DATA_DIR ?? 'data' }),
  );
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 3100));
}

void bootstrap();
