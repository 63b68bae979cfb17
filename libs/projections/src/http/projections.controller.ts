import { Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UnknownProjectionError } from '../runner/projection-errors';
import { ProjectionRunner, type ProjectionStatus } from '../runner/projection-runner';

@ApiTags('operations')
@Controller('projections')
export class ProjectionsController {
  constructor(private readonly runner: ProjectionRunner) {}

  @Get()
  @ApiOperation({
    summary: 'Each projection: state (running, catching_up, stopped_with_error, stopped), checkpoint, events and seconds behind, error',
  })
  async list(): Promise<{ projections: ProjectionStatus[] }> {
    return { projections: await this.runner.status() };
  }

  @Post(':name/rebuild')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Empty the read model and replay the whole log into it, while the API keeps answering (from the partial model)',
  })
  @ApiAcceptedResponse({ description: 'The rebuild has started; the answer is the projection status (catching_up).' })
  @ApiNotFoundResponse({ description: 'No projection of that name.' })
  async rebuild(@Param('name') name: string): Promise<ProjectionStatus> {
    try {
      return await this.runner.rebuild(name);
    } catch (error) {
      if (error instanceof UnknownProjectionError) throw new NotFoundException(error.message);
      throw error;
    }
  }
}
