import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import {
  AssignLeadBody,
  AssignLeadCommand,
  CaptureLeadBody,
  CaptureLeadCommand,
  CommandResult,
  ConfirmNeedBody,
  ConfirmNeedCommand,
  CorrectContactDetailsBody,
  CorrectContactDetailsCommand,
  DisqualifyLeadBody,
  DisqualifyLeadCommand,
  ErasePersonalDataBody,
  ErasePersonalDataCommand,
  HandToSalesBody,
  HandToSalesCommand,
  LeadReader,
  MergeDuplicateBody,
  MergeDuplicateCommand,
  QualifyLeadBody,
  QualifyLeadCommand,
  ReachDecisionMakerBody,
  ReachDecisionMakerCommand,
  ReactivateLeadBody,
  ReactivateLeadCommand,
  RecordActivityBody,
  RecordActivityCommand,
  ReportSaleOutcomeBody,
  ReportSaleOutcomeCommand,
  SendToNurtureBody,
  SendToNurtureCommand,
  VerifyBudgetBody,
  VerifyBudgetCommand,
} from '@lead/lifecycle';
import { LeadCommands } from '../http/idempotency.interceptor';
import { Actor, LeadId } from '../http/request-params';
import { leadView } from './lead.view';

/** Commands are POSTs answering {leadId, revision, position}; queries are GETs. */
@ApiTags('leads')
@ApiHeader({
  name: 'X-Actor',
  required: false,
  description: 'Who sends the command (user:<name>, service:<name>); recorded in the metadata. Default: anonymous.',
})
@ApiHeader({
  name: 'Idempotency-Key',
  required: false,
  description:
    'Any printable ASCII string of 1 to 200 characters; a retry with the same key returns the first answer and appends nothing, the same key with another body is refused with 422 idempotency_key_reused. Instead of, not with, a body commandId.',
})
@ApiBadRequestResponse({ description: 'Invalid input: `errors` names every field (code validation_failed).' })
@LeadCommands()
@Controller('leads')
export class LeadsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly reader: LeadReader,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Capture a lead (LeadCaptured)' })
  @ApiUnprocessableEntityResponse({ description: 'The lead was captured already (a commandId reused for another lead).' })
  capture(@Body() body: CaptureLeadBody, @Actor() actor: string): Promise<CommandResult> {
    return this.commands.execute(new CaptureLeadCommand(body, actor));
  }

  @Post(':id/need')
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm the need (NeedConfirmed; LeadQualified when it completes the three facts)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  need(@LeadId() id: string, @Body() body: ConfirmNeedBody, @Actor() actor: string): Promise<CommandResult> {
    return this.commands.execute(new ConfirmNeedCommand(id, body, actor));
  }

  @Post(':id/budget')
  @HttpCode(200)
  @ApiOperation({ summary: 'Verify the budget (BudgetVerified; LeadQualified when it completes the three facts)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  budget(@LeadId() id: string, @Body() body: VerifyBudgetBody, @Actor() actor: string): Promise<CommandResult> {
    return this.commands.execute(new VerifyBudgetCommand(id, body, actor));
  }

  @Post(':id/decision-maker')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record that the decision maker was reached (DecisionMakerReached; an assistant is refused)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  decisionMaker(@LeadId() id: string, @Body() body: ReachDecisionMakerBody, @Actor() actor: string): Promise<CommandResult> {
    return this.commands.execute(new ReachDecisionMakerCommand(id, body, actor));
  }

  @Post(':id/activities')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record an engagement activity (ActivityRecorded)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  activity(@LeadId() id: string, @Body() body: RecordActivityBody, @Actor() actor: string): Promise<CommandResult> {
    return this.commands.execute(new RecordActivityCommand(id, body, actor));
  }

  @Post(':id/contact')
  @HttpCode(200)
  @ApiOperation({ summary: 'Correct contact or company details (ContactDetailsCorrected)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  contact(@LeadId() id: string, @Body() body: CorrectContactDetailsBody, @Actor() actor: string): Promise<CommandResult> {
    return this.commands.execute(new CorrectContactDetailsCommand(id, body, actor));
  }

  @Post(':id/qualify')
  @HttpCode(200)
  @ApiOperation({ summary: 'Qualify by hand, with a reason (LeadQualified)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  qualify(@LeadId() id: string, @Body() body: QualifyLeadBody, @Actor() actor: string): Promise<CommandResult> {
    return this.commands.execute(new QualifyLeadCommand(id, body, actor));
  }

  @Post(':id/assign')
  @HttpCode(200)
  @ApiOperation({ summary: 'Assign an owner or category manager (LeadAssigned)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  assign(@LeadId() id: string, @Body() body: AssignLeadBody, @Actor() actor: string): Promise<CommandResult> {
    return this.commands.execute(new AssignLeadCommand(id, body, actor));
  }

  @Post(':id/nurture')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send to a nurture or content track (SentToNurture)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  nurture(@LeadId() id: string, @Body() body: SendToNurtureBody, @Actor() actor: string): Promise<CommandResult> {
    return this.commands.execute(new SendToNurtureCommand(id, body, actor));
  }

  @Post(':id/reactivate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reactivate a nurtured, disqualified or lost lead (LeadReactivated)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  reactivate(@LeadId() id: string, @Body() body: ReactivateLeadBody, @Actor() actor: string): Promise<CommandResult> {
    return this.commands.execute(new ReactivateLeadCommand(id, body, actor));
  }

  @Post(':id/disqualify')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disqualify with a reason code and a note (Disqualified)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  disqualify(@LeadId() id: string, @Body() body: DisqualifyLeadBody, @Actor() actor: string): Promise<CommandResult> {
    return this.commands.execute(new DisqualifyLeadCommand(id, body, actor));
  }

  @Post(':id/hand-to-sales')
  @HttpCode(200)
  @ApiOperation({ summary: 'Hand a qualified lead to sales, or any open lead with an override reason (HandedToSales)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  handToSales(@LeadId() id: string, @Body() body: HandToSalesBody, @Actor() actor: string): Promise<CommandResult> {
    return this.commands.execute(new HandToSalesCommand(id, body, actor));
  }

  @Post(':id/sale-outcome')
  @HttpCode(200)
  @ApiOperation({ summary: 'Report the sale outcome (SaleWon / SaleLost; lost with a live need returns to nurture)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  saleOutcome(@LeadId() id: string, @Body() body: ReportSaleOutcomeBody, @Actor() actor: string): Promise<CommandResult> {
    return this.commands.execute(new ReportSaleOutcomeCommand(id, body, actor));
  }

  @Post(':id/merge')
  @HttpCode(200)
  @ApiOperation({ summary: 'Merge this duplicate into another lead (DuplicateMerged)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  merge(@LeadId() id: string, @Body() body: MergeDuplicateBody, @Actor() actor: string): Promise<CommandResult> {
    return this.commands.execute(new MergeDuplicateCommand(id, body, actor));
  }

  @Post(':id/erase')
  @HttpCode(200)
  @ApiOperation({ summary: 'Erase personal data on request (PersonalDataErased)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  erase(@LeadId() id: string, @Body() body: ErasePersonalDataBody, @Actor() actor: string): Promise<CommandResult> {
    return this.commands.execute(new ErasePersonalDataCommand(id, body, actor));
  }

  @Get(':id')
  @ApiOperation({ summary: 'The lead as folded from its events' })
  @ApiNotFoundResponse()
  async get(@LeadId() id: string) {
    const { state, revision, position } = await this.reader.state(id);
    return { ...leadView(state), revision, position };
  }

  @Get(':id/history')
  @ApiOperation({ summary: 'The full timeline: every event with its data, metadata, revision, position and times' })
  @ApiNotFoundResponse()
  async history(@LeadId() id: string) {
    return { leadId: id, events: await this.reader.history(id) };
  }
}
