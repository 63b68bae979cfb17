import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, registerDecorator } from 'class-validator';
import { BREAKDOWNS, isBreakdown } from '@lead/analytics';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** 2025-02-30 parses to 2 March and 2025-13-01 not at all: the day must read back unchanged. */
function isCalendarDay(day: string): boolean {
  const ms = Date.parse(`${day}T00:00:00.000Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === day;
}

/** One rule per parameter, so that an invalid parameter is named once. */
function Checked(check: (value: unknown) => boolean, message: string): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: `checked_${String(property)}`,
      target: target.constructor,
      propertyName: String(property),
      options: { message },
      validator: { validate: check },
    });
}

const isDay = (v: unknown) => typeof v === 'string' && DAY.test(v) && isCalendarDay(v);
const isTime = (v: unknown) =>
  typeof v === 'string' && /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(v) && !Number.isNaN(Date.parse(v));

export class FunnelReplayQueryDto {
  @ApiPropertyOptional({ description: 'First day of entry into the funnel (UTC, inclusive)', example: '2025-01-01' })
  @IsOptional()
  @Checked(isDay, 'from must be a date (YYYY-MM-DD)')
  from?: string;

  @ApiPropertyOptional({ description: 'Last day of entry into the funnel (UTC, inclusive)', example: '2025-12-31' })
  @IsOptional()
  @Checked(isDay, 'to must be a date (YYYY-MM-DD)')
  to?: string;

  @ApiPropertyOptional({
    description: 'As the data was known then: only events the store had recorded by this time. A date means the end of that day (UTC).',
    example: '2025-03-15',
  })
  @IsOptional()
  @Checked(isTime, 'knownAt must be an ISO-8601 date or time')
  knownAt?: string;

  @ApiPropertyOptional({
    description:
      'As it had happened by then: only events whose business time is at or before this time. A date means the end of that day (UTC).',
    example: '2025-03-15',
  })
  @IsOptional()
  @Checked(isTime, 'asOccurred must be an ISO-8601 date or time')
  asOccurred?: string;

  @ApiPropertyOptional({ description: `A lead property: ${BREAKDOWNS.join(', ')} or attributes.<name>` })
  @IsOptional()
  @Checked((v) => typeof v === 'string' && isBreakdown(v), `breakdown must be one of ${BREAKDOWNS.join(', ')} or attributes.<name>`)
  breakdown?: string;
}

export class FunnelCellQueryDto extends FunnelReplayQueryDto {
  @ApiPropertyOptional({ description: 'The cell: step=<name>[,outcome=entered|converted|dropped][,period=<label>][,group=<value>]' })
  @IsString({ message: 'cell is required: step=<name>[,outcome=entered|converted|dropped][,period=<label>][,group=<value>]' })
  @MaxLength(500)
  cell!: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @Checked((v) => v === 'json' || v === 'csv', 'format must be one of json, csv')
  format?: 'json' | 'csv';
}

/** A date means the end of that day (UTC), as on the command line. */
export function travelTime(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return new Date(DAY.test(value) ? `${value}T23:59:59.999Z` : value).toISOString();
}
