import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { CommandOptions } from '../command-options.dto';
import { LeadCommandExecutor, handleLeadCommand } from '../lead-command.executor';
import { LeadCommandMessage } from '../lead-command.message';

export class MergeDuplicateBody extends CommandOptions {
  @ApiProperty({ format: 'uuid', description: 'The lead this duplicate is merged into.' }) @IsUUID() survivorLeadId!: string;
  @ApiPropertyOptional({ example: 'same person, second web form' }) @IsOptional() @IsString() @MaxLength(500) note?: string;
}
export class MergeDuplicateCommand extends LeadCommandMessage<MergeDuplicateBody> {}

@CommandHandler(MergeDuplicateCommand)
export class MergeDuplicateHandler implements ICommandHandler<MergeDuplicateCommand> {
  constructor(private readonly executor: LeadCommandExecutor) {}
  execute(command: MergeDuplicateCommand) {
    return handleLeadCommand(this.executor, 'MergeDuplicate', MergeDuplicateBody, command);
  }
}

export class ErasePersonalDataBody extends CommandOptions {
  @ApiProperty({ example: 'GDPR art. 17 request #4711' }) @IsString() @IsNotEmpty() @MaxLength(500) reason!: string;
}
export class ErasePersonalDataCommand extends LeadCommandMessage<ErasePersonalDataBody> {}

@CommandHandler(ErasePersonalDataCommand)
export class ErasePersonalDataHandler implements ICommandHandler<ErasePersonalDataCommand> {
  constructor(private readonly executor: LeadCommandExecutor) {}
  execute(command: ErasePersonalDataCommand) {
    return handleLeadCommand(this.executor, 'ErasePersonalData', ErasePersonalDataBody, command);
  }
}
