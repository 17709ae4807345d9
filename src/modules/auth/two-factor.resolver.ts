import { Args, Mutation, Resolver } from '@nestjs/graphql';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { RateLimit } from '../../core/rate-limit/rate-limit.decorator.js';
import {
  DisableTwoFactorInput,
  EnableTwoFactorInput,
  TwoFactorBackupCodesDto,
  TwoFactorSetupDto,
} from './dto/two-factor.dto.js';
import { TwoFactorService } from './two-factor.service.js';
import { SessionOnly } from '../../core/auth/auth.guard.js';

@Resolver()
// Account security: a signed-in session, never an API key.
@SessionOnly()
export class TwoFactorResolver {
  constructor(private readonly twoFactor: TwoFactorService) {}

  @Mutation(() => TwoFactorSetupDto, { description: 'Start two-factor setup (pending secret)' })
  setupTwoFactor(@CurrentUser() actor: AuthUser): Promise<TwoFactorSetupDto> {
    return this.twoFactor.setup(actor);
  }

  @RateLimit('strict', { bucket: 'enable' })
  @Mutation(() => TwoFactorBackupCodesDto, {
    description: 'Confirm a code and turn two-factor on; returns 10 backup codes once',
  })
  enableTwoFactor(
    @CurrentUser() actor: AuthUser,
    @Args() input: EnableTwoFactorInput,
  ): Promise<TwoFactorBackupCodesDto> {
    return this.twoFactor.enable(actor, input.code);
  }

  @RateLimit('strict', { bucket: 'disable' })
  @Mutation(() => Boolean, { description: 'Turn two-factor off with the password and a code' })
  async disableTwoFactor(
    @CurrentUser() actor: AuthUser,
    @Args('input') input: DisableTwoFactorInput,
  ): Promise<boolean> {
    await this.twoFactor.disable(actor, input);
    return true;
  }
}
