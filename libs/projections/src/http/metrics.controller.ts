import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Allow } from '@lead/auth';
import { register } from 'prom-client';

/** Prometheus metrics from prom-client's default registry: projection lags here, command and append counters from the command side. */
@ApiTags('operations')
@Allow('metrics')
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', register.contentType)
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'Prometheus text format. Role: admin or analyst; public with METRICS_PUBLIC=true' })
  metrics(): Promise<string> {
    return register.metrics();
  }
}
