import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { parsePosition } from '@lead/event-store';
import {
  CaptureLeadCommand,
  ConfirmNeedCommand,
  HandToSalesCommand,
  ReachDecisionMakerCommand,
  VerifyBudgetCommand,
  deterministicUuid,
  type CommandResult,
} from '@lead/lifecycle';
import { ProjectionRunner, ReadModelQueries, type PipelineLead } from '@lead/projections';
import { HOST_PRINCIPAL, actorOf, type HostPrincipal } from './host-principal';

/** A sign-up from the host's own web form. */
export interface WebFormSubmission {
  /** The host's id for the submission: a resubmission lands on the same lead. */
  readonly submissionId: string;
  readonly name: string;
  readonly email: string;
  readonly company: string;
}

/** The host's side of the engine: commands through the CommandBus, reads from the pipeline read model. */
@Injectable()
export class LeadIntake {
  private readonly actor: string;

  constructor(
    private readonly commands: CommandBus,
    private readonly runner: ProjectionRunner,
    private readonly queries: ReadModelQueries,
    @Inject(HOST_PRINCIPAL) principal: HostPrincipal,
  ) {
    this.actor = actorOf(principal);
  }

  capture(form: WebFormSubmission): Promise<CommandResult> {
    const body = {
      commandId: deterministicUuid(`${this.actor}/web-form/${form.submissionId}`),
      kind: 'B2B' as const,
      contact: { name: form.name, email: form.email },
      company: { name: form.company },
      source: { channel: 'web_form' as const },
    };
    return this.commands.execute<CaptureLeadCommand, CommandResult>(new CaptureLeadCommand(body, this.actor));
  }

  /** Records need, budget and decision maker (the lead qualifies), then hands it to an owner. */
  async qualifyAndHandOff(leadId: string, facts: { need: string; budgetEur: number; decisionMaker: string; owner: string }) {
    await this.commands.execute(new ConfirmNeedCommand(leadId, { need: facts.need }, this.actor));
    await this.commands.execute(new VerifyBudgetCommand(leadId, { amount: facts.budgetEur, currency: 'EUR' }, this.actor));
    await this.commands.execute(new ReachDecisionMakerCommand(leadId, { name: facts.decisionMaker, role: 'CEO' }, this.actor));
    return this.commands.execute<HandToSalesCommand, CommandResult>(new HandToSalesCommand(leadId, { owner: facts.owner }, this.actor));
  }

  /** The lead's pipeline entry once the projection has seen `position` (a command result's), so the host reads its own write. */
  async pipelineEntry(leadId: string, position: string, timeoutMs = 5000): Promise<PipelineLead | null> {
    await this.runner.waitForPosition(parsePosition(position), timeoutMs, ['pipeline']);
    return this.queries.pipelineLead(leadId);
  }
}
