import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { TEMPERATURES, type Temperature } from '@lead/domain';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { CommandOptions } from '../command-options.dto';
import { LeadCommandExecutor, handleLeadCommand } from '../lead-command.executor';
import { LeadCommandMessage } from '../lead-command.message';
import { CompanyDto } from './capture-lead.command';

export class RecordActivityBody extends CommandOptions {
  @ApiProperty({ example: 'whitepaper_download', description: 'One of the configured activity types (ACTIVITY_TYPES).' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  type!: string;
  @ApiPropertyOptional({ example: { title: 'CRM buyer guide' } }) @IsOptional() @IsObject() details?: Record<
    string,
    string | number | boolean
  >;
}
export class RecordActivityCommand extends LeadCommandMessage<RecordActivityBody> {}

@CommandHandler(RecordActivityCommand)
export class RecordActivityHandler implements ICommandHandler<RecordActivityCommand> {
  constructor(private readonly executor: LeadCommandExecutor) {}
  execute(command: RecordActivityCommand) {
    return handleLeadCommand(this.executor, 'RecordActivity', RecordActivityBody, command, ({ type, details }) => ({
      activityType: type,
      ...(details ? { details } : {}),
    }));
  }
}

class ContactCorrectionDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254) email?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(40) phone?: string;
}
class CompanyCorrectionDto extends CompanyDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200) declare name: string;
}

export class CorrectContactDetailsBody extends CommandOptions {
  @ApiPropertyOptional({ type: ContactCorrectionDto, description: 'Only the fields given change.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ContactCorrectionDto)
  contact?: ContactCorrectionDto;
  @ApiPropertyOptional({ type: CompanyCorrectionDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => CompanyCorrectionDto)
  company?: CompanyCorrectionDto;
}
export class CorrectContactDetailsCommand extends LeadCommandMessage<CorrectContactDetailsBody> {}

@CommandHandler(CorrectContactDetailsCommand)
export class CorrectContactDetailsHandler implements ICommandHandler<CorrectContactDetailsCommand> {
  constructor(private readonly executor: LeadCommandExecutor) {}
  execute(command: CorrectContactDetailsCommand) {
    return handleLeadCommand(this.executor, 'CorrectContactDetails', CorrectContactDetailsBody, command, ({ contact, company }) => ({
      ...(contact ? { contact: { ...contact } } : {}),
      ...(company ? { company: { ...company } } : {}),
    }));
  }
}

class ScoreContributionDto {
  @IsString() @IsNotEmpty() rule!: string;
  @IsNumber() points!: number;
  @IsOptional() @IsString() detail?: string;
}

/** Sent by the scoring reaction, not exposed over HTTP. */
export class RecordScoreBody extends CommandOptions {
  @IsNumber() total!: number;
  @IsIn(TEMPERATURES) temperature!: Temperature;
  @IsString() @IsNotEmpty() modelVersion!: string;
  @IsArray() @ArrayMaxSize(200) @ValidateNested({ each: true }) @Type(() => ScoreContributionDto) breakdown!: ScoreContributionDto[];
  @IsISO8601() scoredAt!: string;
}
export class RecordScoreCommand extends LeadCommandMessage<RecordScoreBody> {}

@CommandHandler(RecordScoreCommand)
export class RecordScoreHandler implements ICommandHandler<RecordScoreCommand> {
  constructor(private readonly executor: LeadCommandExecutor) {}
  execute(command: RecordScoreCommand) {
    return handleLeadCommand(this.executor, 'RecordScore', RecordScoreBody, command, (b) => ({
      ...b,
      breakdown: b.breakdown.map((c) => ({ ...c })),
    }));
  }
}
