import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DISQUALIFICATION_REASONS, NURTURE_TRACKS, type DisqualificationReason, type NurtureTrack } from '@lead/domain';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsISO8601,
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

export class AssignLeadBody extends CommandOptions {
  @ApiProperty({ example: 'maria', description: 'Owner or category manager.' }) @IsString() @IsNotEmpty() @MaxLength(200) owner!: string;
  @ApiPropertyOptional({ example: 'manual', description: 'The rule that chose the owner; "manual" when a person did.' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  rule?: string;
  @ApiPropertyOptional({ example: 'crm' }) @IsOptional() @IsString() @MaxLength(100) productLine?: string;
  @ApiPropertyOptional({ example: 'A' }) @IsOptional() @IsString() @MaxLength(50) segment?: string;
}
export class AssignLeadCommand extends LeadCommandMessage<AssignLeadBody> {}

@CommandHandler(AssignLeadCommand)
export class AssignLeadHandler implements ICommandHandler<AssignLeadCommand> {
  constructor(private readonly executor: LeadCommandExecutor) {}
  execute(command: AssignLeadCommand) {
    return handleLeadCommand(this.executor, 'AssignLead', AssignLeadBody, command, ({ rule, ...rest }) => ({
      ...rest,
      rule: rule ?? 'manual',
    }));
  }
}

export class SendToNurtureBody extends CommandOptions {
  @ApiProperty({ example: 'budget only at year end' }) @IsString() @IsNotEmpty() @MaxLength(500) reason!: string;
  @ApiProperty({ enum: NURTURE_TRACKS, description: 'nurture: warm leads, campaigns; content: cold leads, content marketing.' })
  @IsIn(NURTURE_TRACKS)
  track!: NurtureTrack;
  @ApiPropertyOptional({ example: '2027-01-15T00:00:00Z', description: 'When to look at the lead again.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  revisitAt?: string;
}
export class SendToNurtureCommand extends LeadCommandMessage<SendToNurtureBody> {}

@CommandHandler(SendToNurtureCommand)
export class SendToNurtureHandler implements ICommandHandler<SendToNurtureCommand> {
  constructor(private readonly executor: LeadCommandExecutor) {}
  execute(command: SendToNurtureCommand) {
    return handleLeadCommand(this.executor, 'SendToNurture', SendToNurtureBody, command, ({ revisitAt, ...rest }) => ({
      ...rest,
      ...(revisitAt ? { revisitAt: new Date(revisitAt) } : {}),
    }));
  }
}

export class ReactivateLeadBody extends CommandOptions {
  @ApiProperty({ example: 'new budget year' }) @IsString() @IsNotEmpty() @MaxLength(500) reason!: string;
}
export class ReactivateLeadCommand extends LeadCommandMessage<ReactivateLeadBody> {}

@CommandHandler(ReactivateLeadCommand)
export class ReactivateLeadHandler implements ICommandHandler<ReactivateLeadCommand> {
  constructor(private readonly executor: LeadCommandExecutor) {}
  execute(command: ReactivateLeadCommand) {
    return handleLeadCommand(this.executor, 'ReactivateLead', ReactivateLeadBody, command);
  }
}

export class DisqualifyLeadBody extends CommandOptions {
  @ApiProperty({ enum: DISQUALIFICATION_REASONS }) @IsIn(DISQUALIFICATION_REASONS) reason!: DisqualificationReason;
  @ApiProperty({ example: 'private person asking for a B2B offer' }) @IsString() @IsNotEmpty() @MaxLength(2000) note!: string;
}
export class DisqualifyLeadCommand extends LeadCommandMessage<DisqualifyLeadBody> {
  constructor(
    leadId: string,
    body: DisqualifyLeadBody,
    actor: CommandActor,
    causationId?: string,
    readonly rule?: string,
  ) {
    super(leadId, body, actor, causationId);
  }
}

@CommandHandler(DisqualifyLeadCommand)
export class DisqualifyLeadHandler implements ICommandHandler<DisqualifyLeadCommand> {
  constructor(private readonly executor: LeadCommandExecutor) {}
  execute(command: DisqualifyLeadCommand) {
    return handleLeadCommand(this.executor, 'DisqualifyLead', DisqualifyLeadBody, command, (b) => ({
      ...b,
      ...(command.rule ? { rule: command.rule } : {}),
    }));
  }
}

class OverrideDto {
  @ApiProperty({ example: 'existing customer, the CEO called us' }) @IsString() @IsNotEmpty() @MaxLength(500) reason!: string;
}

export class HandToSalesBody extends CommandOptions {
  @ApiPropertyOptional({ example: 'maria', description: 'Defaults to the assigned owner.' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  owner?: string;
  @ApiPropertyOptional({ type: OverrideDto, description: 'Hands over a lead that is not qualified; the reason is recorded.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => OverrideDto)
  override?: OverrideDto;
}
export class HandToSalesCommand extends LeadCommandMessage<HandToSalesBody> {}

@CommandHandler(HandToSalesCommand)
export class HandToSalesHandler implements ICommandHandler<HandToSalesCommand> {
  constructor(private readonly executor: LeadCommandExecutor) {}
  execute(command: HandToSalesCommand) {
    return handleLeadCommand(this.executor, 'HandToSales', HandToSalesBody, command, ({ owner, override }) => ({
      ...(owner ? { owner } : {}),
      ...(override ? { override: { reason: override.reason } } : {}),
    }));
  }
}

export class ReportSaleOutcomeBody extends CommandOptions {
  @ApiProperty({ enum: ['won', 'lost'] }) @IsIn(['won', 'lost']) outcome!: 'won' | 'lost';
  @ApiPropertyOptional({ example: 'chose a competitor', description: 'Required for a lost sale.' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
  @ApiPropertyOptional({ description: 'Lost, but the need is still there: the lead goes back to nurture.' })
  @IsOptional()
  @IsBoolean()
  needRemains?: boolean;
  @ApiPropertyOptional({ example: 18000 }) @IsOptional() @IsNumber() @Min(0) amount?: number;
  @ApiPropertyOptional({ example: 'EUR' })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as "EUR"' })
  currency?: string;
}
export class ReportSaleOutcomeCommand extends LeadCommandMessage<ReportSaleOutcomeBody> {}

@CommandHandler(ReportSaleOutcomeCommand)
export class ReportSaleOutcomeHandler implements ICommandHandler<ReportSaleOutcomeCommand> {
  constructor(private readonly executor: LeadCommandExecutor) {}
  execute(command: ReportSaleOutcomeCommand) {
    return handleLeadCommand(this.executor, 'ReportSaleOutcome', ReportSaleOutcomeBody, command);
  }
}
