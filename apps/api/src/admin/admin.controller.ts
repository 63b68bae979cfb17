import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import { Actor, Allow, ApiKeys, KEY_NAME, ROLES, SecurityAudit, type Acting, type Role } from '@lead/auth';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsIn, IsString, Matches } from 'class-validator';

export class CreateApiKeyBody {
  @ApiProperty({ example: 'crm-sync', description: '1 to 64 letters, digits, ".", "_" or "-"; never reused' })
  @IsString()
  @Matches(KEY_NAME, { message: 'name must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit' })
  name!: string;

  @ApiProperty({ enum: ROLES, isArray: true, example: ['writer'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(ROLES.length)
  @IsIn(ROLES, { each: true, message: `each of roles must be one of ${ROLES.join(', ')}` })
  roles!: Role[];
}

/** Key management and the security audit. Role: admin (the audit: admin or auditor). */
@ApiTags('admin')
@ApiBearerAuth()
@Allow('admin')
@Controller('admin')
export class AdminController {
  constructor(
    private readonly keys: ApiKeys,
    private readonly audit: SecurityAudit,
  ) {}

  @Post('keys')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an API key: the answer is the only time the key is shown (ApiKeyCreated on the security-audit stream)' })
  @ApiCreatedResponse({ description: '{name, roles, key}' })
  @ApiConflictResponse({ description: 'A key of that name exists (code api_key_name_taken).' })
  async create(@Body() body: CreateApiKeyBody, @Actor() actor: Acting) {
    const created = await this.keys.create(body.name, body.roles);
    await this.audit.record({ type: 'ApiKeyCreated', data: { name: created.name, roles: created.roles } }, actor.principal);
    return created;
  }

  @Get('keys')
  @ApiOperation({ summary: 'Every key with its roles, created, last used (to the minute) and revoked times; never the key or its hash' })
  async list() {
    return { keys: await this.keys.list() };
  }

  @Delete('keys/:name')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a key: every instance refuses it within 2 s (ApiKeyRevoked on the security-audit stream)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No key of that name (code api_key_not_found).' })
  async revoke(@Param('name') name: string, @Actor() actor: Acting): Promise<void> {
    await this.keys.revoke(name);
    await this.audit.record({ type: 'ApiKeyRevoked', data: { name } }, actor.principal);
  }

  @Get('audit')
  @Allow('security.audit')
  @ApiOperation({
    summary: 'Security-relevant acts with their principal: keys created and revoked, models activated and trained, rebuilds, erasures',
  })
  async securityAudit() {
    return { entries: await this.audit.list() };
  }
}
