import type { INestApplication } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { CommandValidationPipe } from '@lead/lifecycle';
import { AppModule, type AppOptions } from './app.module';
import { ErrorFilter } from './http/error.filter';
import { IdempotencyInterceptor } from './http/idempotency.interceptor';
import { inputLimitsFromEnv, inputLimitsMiddleware } from './http/input-limits';
import { applySecurityHeaders } from './http/security-headers';

export const BODY_LIMIT = process.env.BODY_LIMIT ?? '64kb';

/** TRUST_PROXY: `true`, a hop count, or comma-separated addresses/subnets (Express's "trust proxy"). */
function trustProxy(raw: string): boolean | number | string[] {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return /^\d+$/.test(raw) ? Number(raw) : raw.split(',').map((s) => s.trim());
}

/** Builds the HTTP application; main.ts and the end-to-end tests share it. */
export async function createApp(options: AppOptions = {}, { logger = true }: { logger?: boolean } = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    bodyParser: false,
    logger: logger ? undefined : false,
  });
  // Behind a reverse proxy the client is in X-Forwarded-For (rate limits count per client); only when told so.
  if (process.env.TRUST_PROXY) app.set('trust proxy', trustProxy(process.env.TRUST_PROXY));
  applySecurityHeaders(app);
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.use(inputLimitsMiddleware(inputLimitsFromEnv()));
  app.useGlobalInterceptors(new IdempotencyInterceptor(app.get(Reflector)));
  app.useGlobalPipes(new CommandValidationPipe());
  app.useGlobalFilters(new ErrorFilter());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Lead lifecycle engine')
      .setDescription('Event-sourced lead lifecycle: commands are POSTs that append events; queries are GETs on views derived from them.')
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (lle_…) or a JWT of the identity provider' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
