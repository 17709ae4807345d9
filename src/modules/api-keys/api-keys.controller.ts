import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { SessionOnly } from '../../core/auth/auth.guard.js';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import type { Page } from '../../core/pagination/page.js';
import { UuidParam } from '../../core/validation/uuid.js';
import { ApiKeysService } from './api-keys.service.js';
import { type ApiKeyDto, ApiKeyPage, CreatedApiKeyDto } from './dto/api-key.dto.js';
import { CreateApiKeyInput } from './dto/api-keys.inputs.js';

@ApiTags('api-keys')
@SessionOnly()
@ApiBearerAuth()
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({
    summary: 'Create an API key (the key is in this answer only)',
    description:
      'With ownerId (needs users.manage): a key for a service account. An account lists at most ' +
      'API_KEY_MAX_PER_ACCOUNT live keys (owned or made): 409 CONFLICT beyond.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  create(
    @CurrentUser() actor: AuthUser,
    @Body() input: CreateApiKeyInput,
  ): Promise<CreatedApiKeyDto> {
    return this.keys.create(actor, input);
  }

  @Get()
  @ApiOperation({ summary: 'The live API keys I own or made, newest first (never the secret)' })
  @ApiOkResponse({ type: ApiKeyPage })
  list(@CurrentUser() actor: AuthUser): Promise<Page<ApiKeyDto>> {
    return this.keys.list(actor);
  }

  @Post(':id/rotate')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new secret for the key (same id and scopes); the old one stops now' })
  @ApiOkResponse({ type: CreatedApiKeyDto })
  rotate(@CurrentUser() actor: AuthUser, @UuidParam('id') id: string): Promise<CreatedApiKeyDto> {
    return this.keys.rotate(actor, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke the key, at once on every instance' })
  @ApiNoContentResponse()
  async revoke(@CurrentUser() actor: AuthUser, @UuidParam('id') id: string): Promise<void> {
    await this.keys.revoke(actor, id);
  }
}
