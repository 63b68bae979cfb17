import { Body, Controller, Get, HttpCode, NotFoundException, Post, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { LeadScored } from '@lead/domain';
import { LeadReader } from '@lead/lifecycle';
import { PolicyReactor, ScoringModelService } from '@lead/policies';
import { Actor, Allow, type Acting } from '@lead/auth';
import { LeadId } from '../http/request-params';
import { ActivateScoringModelBody } from './scoring.dto';

const signed = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '0');

@ApiTags('scoring')
@ApiBearerAuth()
@Allow('read-models')
@Controller()
export class ScoringController {
  constructor(
    private readonly models: ScoringModelService,
    private readonly reactor: PolicyReactor,
    private readonly reader: LeadReader,
  ) {}

  @Get('scoring/model')
  @ApiOperation({ summary: 'The active scoring model and its version, who activated it and when; the latest predictive model' })
  @ApiNotFoundResponse({ description: 'No model has been activated yet.' })
  async model() {
    const { scoring, predictive } = await this.models.active();
    if (!scoring) throw new NotFoundException('No scoring model is active: PUT one to /scoring/model');
    return { ...scoring, predictive: predictive ?? null };
  }

  @Put('scoring/model')
  @Allow('admin')
  @ApiOperation({
    summary: 'Activate a scoring model (ScoringModelActivated on the scoring-models stream); live leads are rescored with it',
    description:
      'The same model again changes nothing (`activated: false`). Every problem of the text is reported with its line, column and field.',
  })
  @ApiOkResponse({ description: '{version, activated, previousVersion, position}' })
  @ApiBadRequestResponse({ description: 'The model text is invalid: `errors: [{field, message, line, column}]` (code validation_failed).' })
  @ApiUnprocessableEntityResponse({
    description: 'The version was activated before with different rules (rule scoring_model.version_reused).',
  })
  activate(@Body() body: ActivateScoringModelBody, @Actor() actor: Acting) {
    return this.models.activate(body.source, actor.actor);
  }

  @Post('scoring/predictive/retrain')
  @Allow('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Train the predictive score on the event history (PredictiveModelTrained); live leads are rescored with it',
    description: 'Outcomes: SaleWon = converted; SaleLost or Disqualified = not converted; leads without an outcome are left out.',
  })
  @ApiOkResponse({ description: '{version, trainedOn: {leads, won}, metrics, excluded, position}' })
  @ApiUnprocessableEntityResponse({ description: 'Not enough leads with an outcome yet (rule predictive.insufficient_history).' })
  retrain(@Actor() actor: Acting) {
    return this.models.retrain(actor.actor);
  }

  @Get('scoring/status')
  @ApiOperation({
    summary: 'The policy reactor: running, catching up or stopped (with the error naming the event), its checkpoint and reaction counts',
  })
  status() {
    return this.reactor.status();
  }

  @Get('leads/:id/score')
  @ApiTags('leads')
  @ApiOperation({ summary: "The lead's latest score, explained rule by rule (the points add up to the total)" })
  @ApiNotFoundResponse({ description: 'Unknown lead (lead_not_found), or a lead not scored yet (not_found).' })
  async score(@LeadId() id: string) {
    const history = await this.reader.history(id);
    const scored = history.filter((e) => e.type === 'LeadScored').at(-1);
    if (!scored) throw new NotFoundException(`Lead ${id} has not been scored yet`);
    const data = scored.data as LeadScored['data'];
    return {
      leadId: id,
      total: data.total,
      temperature: data.temperature,
      ...(data.previousTemperature ? { previousTemperature: data.previousTemperature } : {}),
      modelVersion: data.modelVersion,
      scoredAt: data.scoredAt,
      revision: scored.revision,
      position: scored.position,
      actor: scored.metadata.actor,
      causationId: scored.metadata.causationId,
      breakdown: data.breakdown,
      explanation: data.breakdown
        .filter((c) => c.points !== 0)
        .map((c) => `${signed(c.points)} ${c.rule}${c.detail ? `: ${c.detail}` : ''}`),
    };
  }
}
