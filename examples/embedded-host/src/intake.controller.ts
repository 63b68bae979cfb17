import { BadRequestException, Body, Controller, Get, HttpCode, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { LeadIntake, type WebFormSubmission } from './lead-intake.service';

const FIELDS = ['submissionId', 'name', 'email', 'company'] as const;

/** The host's own endpoint: its web form posts here; the engine's own HTTP API is not mounted. */
@Controller('web-form')
export class IntakeController {
  constructor(private readonly intake: LeadIntake) {}

  @Post()
  @HttpCode(201)
  async submit(@Body() body: Record<string, unknown>) {
    const missing = FIELDS.filter((f) => typeof body?.[f] !== 'string' || body[f] === '');
    if (missing.length) throw new BadRequestException(`required: ${missing.join(', ')}`);
    const { leadId, position } = await this.intake.capture(body as unknown as WebFormSubmission);
    return { leadId, position };
  }

  @Get(':leadId')
  async stage(@Param('leadId') leadId: string, @Query('after') after = '0') {
    const entry = await this.intake.pipelineEntry(leadId, after);
    if (!entry) throw new NotFoundException(`no lead ${leadId}`);
    return { leadId, stage: entry.stage };
  }
}
