import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { SessionOnly } from '../../core/auth/auth.guard.js';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import type { Page } from '../../core/pagination/page.js';
import { UuidArg } from '../../core/validation/uuid.js';
import { ApiKeysService } from './api-keys.service.js';
import { ApiKeyDto, ApiKeyPage, CreatedApiKeyDto } from './dto/api-key.dto.js';
import { CreateApiKeyInput } from './dto/api-keys.inputs.js';

@Resolver(() => ApiKeyDto)
@SessionOnly()
export class ApiKeysResolver {
  constructor(private readonly keys: ApiKeysService) {}

  @Mutation(() => CreatedApiKeyDto, {
    description: 'Create an API key (the key is in this answer only)',
  })
  createApiKey(
    @CurrentUser() actor: AuthUser,
    @Args('input') input: CreateApiKeyInput,
  ): Promise<CreatedApiKeyDto> {
    return this.keys.create(actor, input);
  }

  @Query(() => ApiKeyPage, { description: 'The live API keys I own or made (never the secret)' })
  apiKeys(@CurrentUser() actor: AuthUser): Promise<Page<ApiKeyDto>> {
    return this.keys.list(actor);
  }

  @Mutation(() => CreatedApiKeyDto, { description: 'A new secret for the key; the old one stops' })
  rotateApiKey(
    @CurrentUser() actor: AuthUser,
    @UuidArg('id') id: string,
  ): Promise<CreatedApiKeyDto> {
    return this.keys.rotate(actor, id);
  }

  @Mutation(() => Boolean, { description: 'Revoke the key, at once on every instance' })
  async revokeApiKey(@CurrentUser() actor: AuthUser, @UuidArg('id') id: string): Promise<boolean> {
    await this.keys.revoke(actor, id);
    return true;
  }
}
