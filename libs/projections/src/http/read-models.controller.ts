import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Allow, SEES_CONTACTS, type Principal } from '@lead/auth';
import type { Request, Response } from 'express';
import { ReadModelQueries } from '../read-models/read-model-queries';
import {
  DisqualificationsQueryDto,
  FunnelQueryDto,
  funnelQueryWithDefaults,
  NurtureQueueQueryDto,
  PipelineQueryDto,
} from './read-model-query.dto';
import { MinPositionGate } from './min-position.gate';

const STALE = 'The read model has not reached `minPosition` within the wait (Retry-After: 1), or its projection is stopped.';

/** Queries on the read models. Every answer carries `asOf`, the log position it reflects. */
@ApiTags('read models')
@ApiBadRequestResponse({ description: 'Invalid query parameter, cursor or range (code validation_failed or bad_request).' })
@ApiServiceUnavailableResponse({ description: STALE })
@ApiBearerAuth()
@Allow('read-models')
@Controller()
export class ReadModelsController {
  constructor(
    private readonly queries: ReadModelQueries,
    private readonly gate: MinPositionGate,
  ) {}

  @Get('pipeline')
  @ApiOperation({
    summary:
      'Leads by stage, owner, segment, temperature or channel; sorted by score or last activity; paginated. Role: analyst (contactName only with writer, service or auditor too)',
  })
  @ApiOkResponse({ description: '{ items, nextCursor, asOf }' })
  async pipeline(@Query() dto: PipelineQueryDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const { minPosition, ...query } = dto;
    await this.gate.reach('pipeline', minPosition, res);
    const asOf = this.gate.asOf('pipeline');
    const page = await this.gate.query(() => this.queries.pipeline(query));
    // Analysts see no contact details: the name stays for those who work the lead (writer, service) or audit it.
    const principal = (req as { principal?: Principal }).principal;
    const seesContacts = !principal || principal.roles.some((role) => SEES_CONTACTS.includes(role));
    return { ...page, items: seesContacts ? page.items : page.items.map(({ contactName: _contactName, ...item }) => item), asOf };
  }

  @Get('nurture-queue')
  @ApiOperation({ summary: 'Leads in nurture by track; what is due for a revisit at a given time; sorted by revisit date; paginated' })
  @ApiOkResponse({ description: '{ items, nextCursor, asOf }' })
  async nurtureQueue(@Query() dto: NurtureQueueQueryDto, @Res({ passthrough: true }) res: Response) {
    const { minPosition, ...query } = dto;
    await this.gate.reach('nurture-queue', minPosition, res);
    const asOf = this.gate.asOf('nurture-queue');
    return { ...(await this.gate.query(() => this.queries.nurtureQueue(query))), asOf };
  }

  @Get('funnel')
  @ApiOperation({
    summary:
      'Funnel statistics on business time: counts, conversion rates and time between stages per period, optionally per source, segment or owner',
    description:
      'Without parameters: the last twelve months by month (activity view). view=activity: what happened in the range (event counts; times of transitions that ended in it). view=cohort: the leads captured in the range, followed to their outcome.',
  })
  @ApiOkResponse({ description: '{ view, period, groupBy, from, to, rows, totals, asOf }' })
  async funnel(@Query() dto: FunnelQueryDto, @Res({ passthrough: true }) res: Response) {
    const { minPosition, ...query } = dto;
    await this.gate.reach('funnel', minPosition, res);
    const asOf = this.gate.asOf('funnel');
    return { ...(await this.gate.query(() => this.queries.funnel(funnelQueryWithDefaults(query)))), asOf };
  }

  @Get('disqualifications')
  @ApiOperation({
    summary: 'Every disqualification with reason, note, actor, rule, and the facts and score the lead had then; newest first; paginated',
  })
  @ApiOkResponse({ description: '{ items, nextCursor, asOf }' })
  async disqualifications(@Query() dto: DisqualificationsQueryDto, @Res({ passthrough: true }) res: Response) {
    const { minPosition, ...query } = dto;
    await this.gate.reach('disqualifications', minPosition, res);
    const asOf = this.gate.asOf('disqualifications');
    return { ...(await this.gate.query(() => this.queries.disqualifications(query))), asOf };
  }
}
