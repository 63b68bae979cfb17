import type { INestApplication } from '@nestjs/common';
import helmet from 'helmet';

/** Origins allowed to call the API from a browser (CORS_ORIGINS, comma-separated); none by default. */
export function corsOriginsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
}

/**
 * helmet's headers on every answer, with a CSP that still lets the Swagger UI at /docs load (its bundle,
 * init script and styles come from the same origin; it draws inline styles and data: images). CORS stays
 * off unless origins are listed: then only those, with the headers a command needs. Bearer credentials
 * travel in a header, not a cookie, so credentialed CORS is not needed.
 */
export function applySecurityHeaders(app: INestApplication, corsOrigins: string[] = corsOriginsFromEnv()): void {
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
        },
      },
    }),
  );
  if (corsOrigins.length > 0) {
    app.enableCors({
      origin: corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-On-Behalf-Of'],
      exposedHeaders: ['Retry-After'],
      credentials: false,
      maxAge: 600,
    });
  }
}
