import { Controller, Get, HttpStatus, Inject, Optional, Res } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, formatPosition, type EventStore } from '@lead/event-store';
import { Public } from '@lead/auth';
import { ProjectionsHealth } from '@lead/projections';
import type { Response } from 'express';

@ApiTags('operations')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Optional() private readonly projections?: ProjectionsHealth,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'The event store answers (503 when not); the read models say their state and lag (degraded while catching up, down when one stopped)',
  })
  async health(@Res({ passthrough: true }) res: Response) {
    const started = Date.now();
    const projections = this.projections ? await this.projections.check() : undefined;
    try {
      const head = await this.store.headPosition();
      const eventStore = { status: 'up', headPosition: head ? formatPosition(head) : null, latencyMs: Date.now() - started };
      // Commands still work while a read model is down, so the engine stays up but says it is degraded.
      const status = !projections || projections.status === 'up' ? 'ok' : 'degraded';
      return { status, eventStore, ...(projections ? { projections } : {}) };
    } catch (error) {
      res.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { status: 'down', eventStore: { status: 'down', error: (error as Error).message }, ...(projections ? { projections } : {}) };
    }
  }
}
