import { Module } from '@nestjs/common';
import { FunnelsController } from './funnels.controller';

/** Stored funnel definitions replayed over the event history (role: analyst). */
@Module({ controllers: [FunnelsController] })
export class FunnelsHttpModule {}
