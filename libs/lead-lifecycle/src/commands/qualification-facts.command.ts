import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { IsISO8601, IsNotEmpty, IsNumber, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { CommandOptions } from '../command-options.dto';
import { LeadCommandExecutor, handleLeadCommand } from '../lead-command.executor';
import { LeadCommandMessage } from '../lead-command.message';

// The three facts of qualification. When the third arrives, the same command appends LeadQualified.

export class ConfirmNeedBody extends CommandOptions {
  @ApiProperty({ example: 'CRM for 40 sales reps' }) @IsString() @IsNotEmpty() @MaxLength(500) need!: string;
  @ApiPropertyOptional({ example: 'crm', description: 'Product line the need belongs to; routes the lead to its category manager.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  productLine?: string;
}
export class ConfirmNeedCommand extends LeadCommandMessage<ConfirmNeedBody> {}

@CommandHandler(ConfirmNeedCommand)
export class ConfirmNeedHandler implements ICommandHandler<ConfirmNeedCommand> {
  constructor(private readonly executor: LeadCommandExecutor) {}
  execute(command: ConfirmNeedCommand) {
    return handleLeadCommand(this.executor, 'ConfirmNeed', ConfirmNeedBody, command);
  }
}

export class VerifyBudgetBody extends CommandOptions {
  @ApiPropertyOptional({ example: 20000 }) @IsOptional() @IsNumber() @Min(0) amount?: number;
  @ApiPropertyOptional({ example: 'EUR', description: 'ISO 4217; required with amount.' })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as "EUR"' })
  currency?: string;
  @ApiPropertyOptional({ example: '2027-01-01', description: 'When the budget becomes available.' })
  @IsOptional()
  @IsISO8601()
  availableFrom?: string;
}
export class VerifyBudgetCommand extends LeadCommandMessage<VerifyBudgetBody> {}

@CommandHandler(VerifyBudgetCommand)
export class VerifyBudgetHandler implements ICommandHandler<VerifyBudgetCommand> {
  constructor(private readonly executor: LeadCommandExecutor) {}
  execute(command: VerifyBudgetCommand) {
    return handleLeadCommand(this.executor, 'VerifyBudget', VerifyBudgetBody, command);
  }
}

export class ReachDecisionMakerBody extends CommandOptions {
  @ApiProperty({ example: 'Ion Rusu' }) @IsString() @IsNotEmpty() @MaxLength(200) name!: string;
  @ApiProperty({ example: 'CEO', description: 'An assistant is not a decision maker and is refused.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  role!: string;
}
export class ReachDecisionMakerCommand extends LeadCommandMessage<ReachDecisionMakerBody> {}

@CommandHandler(ReachDecisionMakerCommand)
export class ReachDecisionMakerHandler implements ICommandHandler<ReachDecisionMakerCommand> {
  constructor(private readonly executor: LeadCommandExecutor) {}
  execute(command: ReachDecisionMakerCommand) {
    return handleLeadCommand(this.executor, 'ReachDecisionMaker', ReachDecisionMakerBody, command);
  }
}

export class QualifyLeadBody extends CommandOptions {
  @ApiProperty({ example: 'budget confirmed by phone, written offer follows' }) @IsString() @IsNotEmpty() @MaxLength(500) reason!: string;
}
export class QualifyLeadCommand extends LeadCommandMessage<QualifyLeadBody> {}

@CommandHandler(QualifyLeadCommand)
export class QualifyLeadHandler implements ICommandHandler<QualifyLeadCommand> {
  constructor(private readonly executor: LeadCommandExecutor) {}
  execute(command: QualifyLeadCommand) {
    return handleLeadCommand(this.executor, 'QualifyLead', QualifyLeadBody, command);
  }
}
