import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
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

export class FunnelQueryDto extends MinPositionQueryDto {
  @ApiProperty({ description: 'First day (UTC, inclusive), business time', example: '2025-01-01' })
  @Matches(DAY, { message: 'from must be a date (YYYY-MM-DD)' })
  @IsISO8601({ strict: true })
  from!: string;

  @ApiProperty({ description: 'Last day (UTC, inclusive), business time', example: '2025-03-31' })
  @Matches(DAY, { message: 'to must be a date (YYYY-MM-DD)' })
  @IsISO8601({ strict: true })
  to!: string;

  @ApiProperty({ enum: FUNNEL_PERIODS, description: 'day, ISO week (labelled by its Monday) or month (YYYY-MM)' })
  @IsIn(FUNNEL_PERIODS)
  period!: FunnelPeriod;

  @ApiPropertyOptional({ enum: FUNNEL_DIMENSIONS })
  @IsOptional()
  @IsIn(FUNNEL_DIMENSIONS)
  groupBy?: FunnelDimension;

  @ApiPropertyOptional({
    enum: FUNNEL_VIEWS,
    default: 'activity',
    description: 'activity: what happened in the range; cohort: the leads captured in the range, followed to their outcome',
  })
  @IsOptional()
  @IsIn(FUNNEL_VIEWS)
  view: FunnelView = 'activity';
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
