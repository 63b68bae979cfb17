import { Allow } from '@lead/auth';
import { createHash } from 'node:crypto';
import { BadRequestException, Controller, Get, Header, Inject, NotFoundException, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { stringify } from 'csv-stringify/sync';
import {
  cellLeads,
  loadFunnelDefinitions,
  measureFunnel,
  parseCell,
  replayHistory,
  SHIPPED_FUNNELS_DIR,
  windowText,
  type FunnelDefinition,
  type FunnelReplay,
} from '@lead/analytics';
import { EVENT_STORE, formatPosition, type EventStore } from '@lead/event-store';
import { FunnelCellQueryDto, FunnelReplayQueryDto, travelTime } from './funnels.dto';

const CACHED_REPLAYS = 16;

/**
 * Stored funnel definitions (the shipped ones, and those of FUNNEL_DEFINITIONS_DIR) replayed over the
 * whole history. A replay is cached until the log grows: the same question at the same head answers
 * from memory, and an unchanged answer revalidates by ETag.
 */
@ApiTags('funnels')
@ApiBadRequestResponse({ description: 'An invalid query parameter, each named once (code validation_failed).' })
@Allow('read-models')
@Controller('funnels')
export class FunnelsController {
  private readonly definitions: Map<string, FunnelDefinition>;
  private readonly replays = new Map<string, Promise<FunnelReplay>>();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {
    const extra = process.env.FUNNEL_DEFINITIONS_DIR;
    this.definitions = loadFunnelDefinitions([SHIPPED_FUNNELS_DIR, ...(extra ? [extra] : [])]);
  }

  @Get()
  @ApiOperation({ summary: 'The stored funnel definitions (role: analyst)' })
  @ApiOkResponse({ description: '{ items: [{ name, description, order, steps, window, exclusions, converted, cohort }] }' })
  list() {
    return {
      items: [...this.definitions.values()].map((d) => ({
        name: d.name,
        description: d.description,
        order: d.order,
        steps: d.steps.map((s) => s.name),
        window: windowText(d.windowMs),
        exclusions: d.exclusions.map((s) => s.name),
        converted: d.steps[d.convertedStep].name,
        cohort: d.cohortPeriod,
      })),
    };
  }

  @Get(':name')
  @Header('Cache-Control', 'private, no-cache')
  @ApiOperation({
    summary: 'A stored funnel replayed over the whole history: steps, time to convert, trend, breakdown, drop-off (role: analyst)',
    description:
      'knownAt: as the data was known then (recorded time); asOccurred: as it had happened by then (business time); both combine.',
  })
  @ApiNotFoundResponse({ description: 'No stored definition has that name.' })
  async replay(
    @Param('name') name: string,
    @Query() dto: FunnelReplayQueryDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { replay, head } = await this.replayed(name, dto);
    const etag = `"${createHash('sha1')
      .update(`${name}|${head}|${JSON.stringify(dto)}`)
      .digest('hex')
      .slice(0, 20)}"`;
    res.setHeader('ETag', etag);
    if (req.headers['if-none-match'] === etag) {
      res.status(304);
      return undefined;
    }
    return { ...measureFunnel(replay, { from: dto.from, to: dto.to, breakdown: dto.breakdown }), head };
  }

  @Get(':name/leads')
  @Header('Cache-Control', 'private, no-cache')
  @ApiOperation({ summary: 'The lead ids behind one cell of a stored funnel, as JSON or CSV (role: analyst)' })
  @ApiNotFoundResponse({ description: 'No stored definition has that name.' })
  async leads(@Param('name') name: string, @Query() dto: FunnelCellQueryDto, @Res({ passthrough: true }) res: Response) {
    const { replay, definition } = await this.replayed(name, dto);
    let cell;
    try {
      cell = parseCell(dto.cell, definition);
    } catch (error) {
      throw new BadRequestException((error as Error).message);
    }
    const leads = cellLeads(replay, cell, { from: dto.from, to: dto.to, breakdown: dto.breakdown });
    if (dto.format !== 'csv') return { items: leads };
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    return stringify(leads, { header: true, columns: ['leadId', 'enteredAt', 'stepAt', 'status', 'group'] });
  }

  private async replayed(name: string, dto: FunnelReplayQueryDto) {
    const definition = this.definitions.get(name);
    if (!definition)
      throw new NotFoundException(`No funnel definition named "${name}" (known: ${[...this.definitions.keys()].join(', ')})`);
    const knownAt = travelTime(dto.knownAt);
    const asOccurred = travelTime(dto.asOccurred);
    const headPosition = await this.store.headPosition();
    const head = headPosition === null ? '0' : formatPosition(headPosition);
    const key = `${name}|${knownAt ?? ''}|${asOccurred ?? ''}|${head}`;
    let replay = this.replays.get(key);
    if (!replay) {
      replay = replayHistory(this.store, definition, { ...(knownAt ? { knownAt } : {}), ...(asOccurred ? { asOccurred } : {}) });
      this.replays.set(key, replay);
      replay.catch(() => this.replays.delete(key));
      // Oldest first out: a Map keeps insertion order.
      while (this.replays.size > CACHED_REPLAYS) this.replays.delete(this.replays.keys().next().value!);
    }
    return { replay: await replay, head, definition };
  }
}
