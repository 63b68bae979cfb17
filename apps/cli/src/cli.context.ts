import 'reflect-metadata';
import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { LeadLifecycleModule, type LeadLifecycleOptions } from '@lead/lifecycle';

@Module({})
class CliModule {}

/** The engine without HTTP, configured from the environment like the API (EVENT_STORE, SQLITE_PATH, …). */
export async function openEngine(options: LeadLifecycleOptions & { imports?: DynamicModule[] } = {}): Promise<INestApplicationContext> {
  const { imports = [], ...lifecycle } = options;
  return NestFactory.createApplicationContext(
    { module: CliModule, imports: [LeadLifecycleModule.forRoot(lifecycle), ...imports] },
    { logger: ['error', 'warn'] },
  );
}

/** Runs `work` with an engine and always closes it, so the store's file is left clean. */
export async function withEngine<T>(
  work: (engine: INestApplicationContext) => Promise<T>,
  options?: LeadLifecycleOptions & { imports?: DynamicModule[] },
): Promise<T> {
  const engine = await openEngine(options);
  try {
    return await work(engine);
  } finally {
    await engine.close();
  }
}
