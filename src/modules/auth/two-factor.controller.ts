import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { ApiErrors } from '../../core/http/openapi-decorators.js';
import { SessionOnly } from '../../core/auth/auth.guard.js';

@ApiTags('auth')
@ApiBearerAuth()
@Controller('auth/2fa')
// Account security: a signed-in session, never an API key.
@SessionOnly()
export class TwoFactorController {
  constructor(private readonly twoFactor: TwoFactorService) {}

  @Post('setup')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start two-factor setup: a new pending TOTP secret' })
  @ApiOkResponse({ type: TwoFactorSetupDto })
  @ApiErrors('CONFLICT')
  setup(@CurrentUser() actor: AuthUser): Promise<TwoFactorSetupDto> {
    return this.twoFactor.setup(actor);
  }

  @RateLimit('strict')
  @Post('enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm a code and turn two-factor on; returns 10 backup codes once' })
  @ApiOkResponse({ type: TwoFactorBackupCodesDto })
  @ApiErrors('CONFLICT')
  enable(
    @CurrentUser() actor: AuthUser,
    @Body() input: EnableTwoFactorInput,
  ): Promise<TwoFactorBackupCodesDto> {
    return this.twoFactor.enable(actor, input.code);
  }

  @RateLimit('strict')
  @Post('disable')
  @HttpCode(204)
  @ApiOperation({ summary: 'Turn two-factor off with the password and a code or backup code' })
  @ApiErrors('CONFLICT')
  async disable(
    @CurrentUser() actor: AuthUser,
    @Body() input: DisableTwoFactorInput,
  ): Promise<void> {
    await this.twoFactor.disable(actor, input);
  }
}
