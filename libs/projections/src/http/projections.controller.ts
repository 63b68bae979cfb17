import { Controller, Get, HttpCode, NotFoundException, Optional, Param, Post } from '@nestjs/common';
import { Actor, Allow, SecurityAudit, type Acting } from '@lead/auth';
import { ApiAcceptedResponse, ApiBearerAuth, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UnknownProjectionError } from '../runner/projection-errors';
import { ProjectionRunner, type ProjectionStatus } from '../runner/projection-runner';

@ApiTags('operations')
@ApiBearerAuth()
@Allow('read-models')
@Controller('projections')
export class ProjectionsController {
  constructor(
    private readonly runner: ProjectionRunner,
    /** Absent when a host embeds the read models without the engine's authentication. */
    @Optional() private readonly audit?: SecurityAudit,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Each projection: state (running, catching_up, stopped_with_error, stopped), checkpoint, events and seconds behind, error',
  })
  async list(): Promise<{ projections: ProjectionStatus[] }> {
    return { projections: await this.runner.status() };
  }

  @Post(':name/rebuild')
  @Allow('admin')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Empty the read model and replay the whole log into it, while the API keeps answering (from the partial model). Role: admin',
  })
  @ApiAcceptedResponse({ description: 'The rebuild has started; the answer is the projection status (catching_up).' })
  @ApiNotFoundResponse({ description: 'No projection of that name.' })
  async rebuild(@Param('name') name: string, @Actor() actor: Acting): Promise<ProjectionStatus> {
    try {
      const status = await this.runner.rebuild(name);
      await this.audit?.record({ type: 'ProjectionRebuildRequested', data: { projection: name } }, actor.principal, actor.onBehalfOf);
      return status;
    } catch (error) {
      if (error instanceof UnknownProjectionError) throw new NotFoundException(error.message);
      throw error;
    }
  }
}
