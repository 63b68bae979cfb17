import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
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
import { Actor, Allow, SecurityAudit, type Acting } from '@lead/auth';
import { LeadCommands } from '../http/idempotency.interceptor';
import { LeadId } from '../http/request-params';
import { leadView } from './lead.view';

/** Commands are POSTs answering {leadId, revision, position}; queries are GETs. Role: writer (or service) unless said otherwise. */
@ApiTags('leads')
@ApiBearerAuth()
@ApiHeader({
  name: 'X-On-Behalf-Of',
  required: false,
  description: 'Only for a principal with the service role: the person it acts for, recorded beside it. Anyone else gets 403.',
})
@Allow('lead.write')
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
    private readonly audit: SecurityAudit,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Capture a lead (LeadCaptured)' })
  @ApiUnprocessableEntityResponse({ description: 'The lead was captured already (a commandId reused for another lead).' })
  capture(@Body() body: CaptureLeadBody, @Actor() actor: Acting): Promise<CommandResult> {
    return this.commands.execute(new CaptureLeadCommand(body, actor));
  }

  @Post(':id/need')
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm the need (NeedConfirmed; LeadQualified when it completes the three facts)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  need(@LeadId() id: string, @Body() body: ConfirmNeedBody, @Actor() actor: Acting): Promise<CommandResult> {
    return this.commands.execute(new ConfirmNeedCommand(id, body, actor));
  }

  @Post(':id/budget')
  @HttpCode(200)
  @ApiOperation({ summary: 'Verify the budget (BudgetVerified; LeadQualified when it completes the three facts)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  budget(@LeadId() id: string, @Body() body: VerifyBudgetBody, @Actor() actor: Acting): Promise<CommandResult> {
    return this.commands.execute(new VerifyBudgetCommand(id, body, actor));
  }

  @Post(':id/decision-maker')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record that the decision maker was reached (DecisionMakerReached; an assistant is refused)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  decisionMaker(@LeadId() id: string, @Body() body: ReachDecisionMakerBody, @Actor() actor: Acting): Promise<CommandResult> {
    return this.commands.execute(new ReachDecisionMakerCommand(id, body, actor));
  }

  @Post(':id/activities')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record an engagement activity (ActivityRecorded)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  activity(@LeadId() id: string, @Body() body: RecordActivityBody, @Actor() actor: Acting): Promise<CommandResult> {
    return this.commands.execute(new RecordActivityCommand(id, body, actor));
  }

  @Post(':id/contact')
  @HttpCode(200)
  @ApiOperation({ summary: 'Correct contact or company details (ContactDetailsCorrected)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  contact(@LeadId() id: string, @Body() body: CorrectContactDetailsBody, @Actor() actor: Acting): Promise<CommandResult> {
    return this.commands.execute(new CorrectContactDetailsCommand(id, body, actor));
  }

  @Post(':id/qualify')
  @HttpCode(200)
  @ApiOperation({ summary: 'Qualify by hand, with a reason (LeadQualified)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  qualify(@LeadId() id: string, @Body() body: QualifyLeadBody, @Actor() actor: Acting): Promise<CommandResult> {
    return this.commands.execute(new QualifyLeadCommand(id, body, actor));
  }

  @Post(':id/assign')
  @HttpCode(200)
  @ApiOperation({ summary: 'Assign an owner or category manager (LeadAssigned)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  assign(@LeadId() id: string, @Body() body: AssignLeadBody, @Actor() actor: Acting): Promise<CommandResult> {
    return this.commands.execute(new AssignLeadCommand(id, body, actor));
  }

  @Post(':id/nurture')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send to a nurture or content track (SentToNurture)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  nurture(@LeadId() id: string, @Body() body: SendToNurtureBody, @Actor() actor: Acting): Promise<CommandResult> {
    return this.commands.execute(new SendToNurtureCommand(id, body, actor));
  }

  @Post(':id/reactivate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reactivate a nurtured, disqualified or lost lead (LeadReactivated)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  reactivate(@LeadId() id: string, @Body() body: ReactivateLeadBody, @Actor() actor: Acting): Promise<CommandResult> {
    return this.commands.execute(new ReactivateLeadCommand(id, body, actor));
  }

  @Post(':id/disqualify')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disqualify with a reason code and a note (Disqualified)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  disqualify(@LeadId() id: string, @Body() body: DisqualifyLeadBody, @Actor() actor: Acting): Promise<CommandResult> {
    return this.commands.execute(new DisqualifyLeadCommand(id, body, actor));
  }

  @Post(':id/hand-to-sales')
  @HttpCode(200)
  @ApiOperation({ summary: 'Hand a qualified lead to sales, or any open lead with an override reason (HandedToSales)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  handToSales(@LeadId() id: string, @Body() body: HandToSalesBody, @Actor() actor: Acting): Promise<CommandResult> {
    return this.commands.execute(new HandToSalesCommand(id, body, actor));
  }

  @Post(':id/sale-outcome')
  @HttpCode(200)
  @ApiOperation({ summary: 'Report the sale outcome (SaleWon / SaleLost; lost with a live need returns to nurture)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  saleOutcome(@LeadId() id: string, @Body() body: ReportSaleOutcomeBody, @Actor() actor: Acting): Promise<CommandResult> {
    return this.commands.execute(new ReportSaleOutcomeCommand(id, body, actor));
  }

  @Post(':id/merge')
  @HttpCode(200)
  @ApiOperation({ summary: 'Merge this duplicate into another lead (DuplicateMerged)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  @ApiUnprocessableEntityResponse()
  merge(@LeadId() id: string, @Body() body: MergeDuplicateBody, @Actor() actor: Acting): Promise<CommandResult> {
    return this.commands.execute(new MergeDuplicateCommand(id, body, actor));
  }

  @Post(':id/erase')
  @Allow('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Erase personal data on request (PersonalDataErased). Role: admin' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  async erase(@LeadId() id: string, @Body() body: ErasePersonalDataBody, @Actor() actor: Acting): Promise<CommandResult> {
    const result = await this.commands.execute<ErasePersonalDataCommand, CommandResult>(new ErasePersonalDataCommand(id, body, actor));
    await this.audit.record({ type: 'PersonalDataErasureRequested', data: { leadId: id } }, actor.principal, actor.onBehalfOf);
    return result;
  }

  @Get(':id')
  @ApiOperation({ summary: 'The lead as folded from its events' })
  @ApiNotFoundResponse()
  async get(@LeadId() id: string) {
    const { state, revision, position } = await this.reader.state(id);
    return { ...leadView(state), revision, position };
  }

  @Get(':id/history')
  @Allow('lead.audit')
  @ApiOperation({
    summary:
      'The full timeline: every event with its data, metadata (actor, actorKind, onBehalfOf), revision, position and times. Role: auditor',
  })
  @ApiNotFoundResponse()
  async history(@LeadId() id: string) {
    return { leadId: id, events: await this.reader.history(id) };
  }
}
