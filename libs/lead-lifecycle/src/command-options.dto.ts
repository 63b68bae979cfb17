import { ApiHideProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsInt, IsOptional, IsString, IsUUID, Matches, MaxLength, Min } from 'class-validator';

/** Fields every command accepts besides its own. */
export class CommandOptions {
  @ApiPropertyOptional({
    description: 'Idempotency key: a retried command id returns the first result and appends nothing. Generated when absent.',
    format: 'uuid',
  })
  @IsOptional()
  @IsUUID()
  commandId?: string;

  @ApiPropertyOptional({
    description: 'Revision the lead must be at (from a previous answer); a stale one is refused with 409.',
    minimum: 0,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  expectedRevision?: number;

  @ApiPropertyOptional({ description: 'Ties this command to a wider business process; defaults to the command id.', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  correlationId?: string;

  @ApiPropertyOptional({
    description: 'Business time of the fact (ISO 8601), for importing history; defaults to now, never in the future.',
    example: '2026-11-20T09:30:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  occurredAt?: string;

  /**
   * Set by the HTTP layer, never by the client: the hash of the canonical request. Recorded in the metadata so
   * that a retry with the same command id but another request is refused (idempotency_key_reused).
   */
  @ApiHideProperty()
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/)
  requestHash?: string;
}

/** The answer to every accepted command. */
export class CommandResult {
  leadId!: string;
  /** Revision of the lead's last event after the command. */
  revision!: number;
  /** Global position of the lead's last event: pass it as minPosition to read your own write. */
  position!: string;
  /** Types of the events this command appended (empty when it changed nothing). A retry answers the same. */
  events!: string[];
}
