import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CHANNELS, LEAD_KINDS, ORIGINS, type Channel, type LeadKind, type Origin } from '@lead/domain';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { CommandOptions } from '../command-options.dto';
import { LeadCommandExecutor, handleLeadCommand } from '../lead-command.executor';
import { LeadCommandMessage, type CommandActor } from '../lead-command.message';

export class ContactDto {
  @ApiProperty({ example: 'Ana Pop', maxLength: 200 }) @IsString() @IsNotEmpty() @MaxLength(200) name!: string;
  @ApiPropertyOptional({ example: 'ana.pop@acme.ro', description: 'At least one of email and phone is required.' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  email?: string;
  @ApiPropertyOptional({ example: '+40 721 555 010' }) @IsOptional() @IsString() @MaxLength(40) phone?: string;
}

export class CompanyDto {
  @ApiProperty({ example: 'Acme SRL' }) @IsString() @IsNotEmpty() @MaxLength(200) name!: string;
  @ApiPropertyOptional({ example: 'manufacturing' }) @IsOptional() @IsString() @MaxLength(100) industry?: string;
  @ApiPropertyOptional({ example: 120 }) @IsOptional() @IsInt() @Min(0) employees?: number;
  @ApiPropertyOptional({ example: 5000000, description: 'Annual revenue (turnover) in the deployment currency.' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  annualRevenue?: number;
  @ApiPropertyOptional({ example: 2009 }) @IsOptional() @IsInt() foundedYear?: number;
  @ApiPropertyOptional({ example: 'RO', description: 'ISO 3166-1 alpha-2' })
  @IsOptional()
  @Matches(/^[A-Za-z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code such as "DE"' })
  country?: string;
}

export class SourceDto {
  @ApiProperty({ enum: CHANNELS, description: 'What the lead did to reach us.' }) @IsIn(CHANNELS) channel!: Channel;
  @ApiPropertyOptional({ enum: ORIGINS, description: 'Where the traffic came from.' }) @IsOptional() @IsIn(ORIGINS) origin?: Origin;
  @ApiPropertyOptional({ example: 'spring-webinar-2026' }) @IsOptional() @IsString() @MaxLength(200) campaign?: string;
  @ApiPropertyOptional({ example: 'customer:1234' }) @IsOptional() @IsString() @MaxLength(200) referrer?: string;
}

export class CaptureLeadBody extends CommandOptions {
  @ApiProperty({ type: ContactDto }) @ValidateNested() @Type(() => ContactDto) contact!: ContactDto;
  @ApiProperty({ enum: LEAD_KINDS }) @IsIn(LEAD_KINDS) kind!: LeadKind;
  @ApiPropertyOptional({ type: CompanyDto, description: 'Required for B2B leads.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => CompanyDto)
  company?: CompanyDto;
  @ApiProperty({ type: SourceDto }) @ValidateNested() @Type(() => SourceDto) source!: SourceDto;
  @ApiPropertyOptional({ example: 'needs a CRM for 40 sales reps', description: 'The need the lead stated (confirmed later with /need).' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  need?: string;
  @ApiPropertyOptional({
    example: { occupation: 'student', city: 'Cluj' },
    description: 'Further profile answers (strings, numbers, booleans) for scoring and segmentation.',
  })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, string | number | boolean>;
}

/** Captures a new lead. With a commandId, the lead id is derived from it, so a retry lands on the same lead. */
export class CaptureLeadCommand extends LeadCommandMessage<CaptureLeadBody> {
  constructor(body: CaptureLeadBody, actor: CommandActor, causationId?: string) {
    super('', body, actor, causationId);
  }
}

@CommandHandler(CaptureLeadCommand)
export class CaptureLeadHandler implements ICommandHandler<CaptureLeadCommand> {
  constructor(private readonly executor: LeadCommandExecutor) {}
  execute(command: CaptureLeadCommand) {
    return handleLeadCommand(this.executor, 'CaptureLead', CaptureLeadBody, command, ({ contact, company, ...rest }) => ({
      ...rest,
      contact: { ...contact },
      ...(company ? { company: { ...company } } : {}),
      source: { ...rest.source },
    }));
  }
}
