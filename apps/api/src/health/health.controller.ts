import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, formatPosition, type EventStore } from '@lead/event-store';
import type { Response } from 'express';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get()
  @ApiOperation({ summary: 'Liveness and readiness: the event store answers' })
  async health(@Res({ passthrough: true }) res: Response) {
    const started = Date.now();
    try {
      const head = await this.store.headPosition();
      return { status: 'ok', eventStore: { status: 'up', headPosition: head ? formatPosition(head) : null, latencyMs: Date.now() - started } };
    } catch (error) {
      res.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { status: 'down', eventStore: { status: 'down', error: (error as Error).message } };
    }
  }
}
