import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min, registerDecorator } from 'class-validator';
import {
  CHANNELS,
  DISQUALIFICATION_REASONS,
  LEAD_STATUSES,
  NURTURE_TRACKS,
  TEMPERATURES,
  type Channel,
  type DisqualificationReason,
  type LeadStatus,
  type NurtureTrack,
  type Temperature,
} from '@lead/domain';
import { FUNNEL_DIMENSIONS, type FunnelDimension } from '../read-models/funnel/funnel.projection';
import { FUNNEL_PERIODS, FUNNEL_VIEWS, type FunnelPeriod, type FunnelView } from '../read-models/funnel/funnel.query';
import { MAX_PAGE_SIZE } from '../read-models/paging';
import { PIPELINE_SORTS, type PipelineSort } from '../read-models/pipeline/pipeline.projection';

const POSITION = /^\d+(\/\d+)?$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** 2025-02-30 parses to 2 March and 2025-13-01 not at all: the day must read back unchanged. */
function isCalendarDay(day: string): boolean {
  const ms = Date.parse(`${day}T00:00:00.000Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === day;
}

/** Read-your-writes: every query may name the position a command answered with. */
export class MinPositionQueryDto {
  @ApiPropertyOptional({
    description:
      'Wait (a few seconds at most) until the read model includes the event at this position — the `position` a command answered with: "<commit>" or "<commit>/<prepare>". 503 when it does not get there in time.',
    example: '1234',
  })
  @IsOptional()
  @Matches(POSITION, { message: 'minPosition must be a position as commands return it: "<commit>" or "<commit>/<prepare>"' })
  minPosition?: string;
}

export class PageQueryDto extends MinPositionQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page, unchanged.' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  cursor?: string;
}

export class PipelineQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: LEAD_STATUSES, description: 'The stage (status) the lead is in now' })
  @IsOptional()
  @IsIn(LEAD_STATUSES)
  stage?: LeadStatus;

  @ApiPropertyOptional({ description: 'Owner from the last assignment or hand-off' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  owner?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  segment?: string;

  @ApiPropertyOptional({ enum: TEMPERATURES })
  @IsOptional()
  @IsIn(TEMPERATURES)
  temperature?: Temperature;

  @ApiPropertyOptional({ enum: CHANNELS, description: 'The source channel the lead was captured through' })
  @IsOptional()
  @IsIn(CHANNELS)
  channel?: Channel;

  @ApiPropertyOptional({
    enum: PIPELINE_SORTS,
    default: 'score',
    description: 'score: highest first, unscored last; lastActivityAt: most recent first',
  })
  @IsOptional()
  @IsIn(PIPELINE_SORTS)
  sort?: PipelineSort;
}

export class NurtureQueueQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: NURTURE_TRACKS })
  @IsOptional()
  @IsIn(NURTURE_TRACKS)
  track?: NurtureTrack;

  @ApiPropertyOptional({
    description: 'Only the leads due for a revisit at this time (revisitAt ≤ dueAt), e.g. now',
    example: '2025-01-31T09:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  dueAt?: string;
}

/** A calendar day YYYY-MM-DD that exists (2025-02-30 does not): one rule, so a bad day gets one message. */
function IsDay(): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isDay',
      target: target.constructor,
      propertyName: String(property),
      options: { message: `${String(property)} must be a date (YYYY-MM-DD)` },
      validator: {
        validate: (value: unknown) => typeof value === 'string' && DAY.test(value) && isCalendarDay(value),
      },
    });
}

export class FunnelQueryDto extends MinPositionQueryDto {
  @ApiPropertyOptional({
    description: 'First day (UTC, inclusive), business time. Default: the first day of the month eleven months before `to`',
    example: '2025-01-01',
  })
  @IsOptional()
  @IsDay()
  from?: string;

  @ApiPropertyOptional({ description: 'Last day (UTC, inclusive), business time. Default: today', example: '2025-03-31' })
  @IsOptional()
  @IsDay()
  to?: string;

  @ApiPropertyOptional({ enum: FUNNEL_PERIODS, default: 'month', description: 'day, ISO week (labelled by its Monday) or month (YYYY-MM)' })
  @IsOptional()
  @IsIn(FUNNEL_PERIODS, { message: `period must be one of ${FUNNEL_PERIODS.join(', ')}` })
  period?: FunnelPeriod;

  @ApiPropertyOptional({ enum: FUNNEL_DIMENSIONS })
  @IsOptional()
  @IsIn(FUNNEL_DIMENSIONS, { message: `groupBy must be one of ${FUNNEL_DIMENSIONS.join(', ')}` })
  groupBy?: FunnelDimension;

  @ApiPropertyOptional({
    enum: FUNNEL_VIEWS,
    default: 'activity',
    description: 'activity: what happened in the range; cohort: the leads captured in the range, followed to their outcome',
  })
  @IsOptional()
  @IsIn(FUNNEL_VIEWS, { message: `view must be one of ${FUNNEL_VIEWS.join(', ')}` })
  view: FunnelView = 'activity';
}

/**
 * Without parameters the funnel answers the last twelve months by month: from the first day of the
 * month eleven months before `to` (default today, UTC) to `to`.
 */
export function funnelQueryWithDefaults(
  dto: Omit<FunnelQueryDto, 'minPosition'>,
  now: Date = new Date(),
): { from: string; to: string; period: FunnelPeriod; view: FunnelView; groupBy?: FunnelDimension } {
  const to = dto.to ?? now.toISOString().slice(0, 10);
  const [year, month] = to.split('-').map(Number);
  const from = dto.from ?? new Date(Date.UTC(year, month - 1 - 11, 1)).toISOString().slice(0, 10);
  return { from, to, period: dto.period ?? 'month', view: dto.view ?? 'activity', ...(dto.groupBy ? { groupBy: dto.groupBy } : {}) };
}

export class DisqualificationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DISQUALIFICATION_REASONS })
  @IsOptional()
  @IsIn(DISQUALIFICATION_REASONS)
  reason?: DisqualificationReason;

  @ApiPropertyOptional({ description: 'Who decided: user:<name>, service:<name> or policy:<name>', example: 'policy:auto-disqualify-spam' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actor?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  leadId?: string;

  @ApiPropertyOptional({ description: 'From this business time (inclusive); a date means its start (UTC)', example: '2025-01-01' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Up to this business time (exclusive)', example: '2025-02-01' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}
