import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { Inject } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import {
  ApiBearerAuth,
  ApiFoundResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { oidcConfig } from '../../../config/oidc.config.js';
import { SessionOnly } from '../../../core/auth/auth.guard.js';
import type { AuthUser } from '../../../core/auth/auth-user.js';
import { CurrentUser } from '../../../core/auth/current-user.decorator.js';
import { Public } from '../../../core/auth/public.decorator.js';
import { AppException } from '../../../core/errors/app.exception.js';
import { Client, type ClientInfo } from '../../../core/http/client-info.decorator.js';
import { ApiErrors } from '../../../core/http/openapi-decorators.js';
import type { Page } from '../../../core/pagination/page.js';
import { RateLimit } from '../../../core/rate-limit/rate-limit.decorator.js';
import { UuidParam } from '../../../core/validation/uuid.js';
import { AuthPayloadDto } from '../dto/auth-payload.dto.js';
import {
  AuthProviderDto,
  type IdentityDto,
  IdentityPage,
  LinkStartDto,
  OidcCallbackResultDto,
} from './dto/identity.dto.js';
import { ExchangeOidcCodeInput, OidcStartQuery, ProviderArgs } from './dto/identity.inputs.js';
import { IdentitiesService } from './identities.service.js';
import { FLOW_TTL_SECONDS, OidcLoginService } from './oidc-login.service.js';

/** Ties a started sign-in to the browser that started it (see OidcLoginService.callback). */
const BROWSER_COOKIE = 'oidc_browser';
const COOKIE_PATH = '/api/v1/auth/oidc';

function cookieOf(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

@ApiTags('auth')
@Controller()
export class IdentitiesController {
  constructor(
    private readonly login: OidcLoginService,
    private readonly identities: IdentitiesService,
    @Inject(oidcConfig.KEY) private readonly config: ConfigType<typeof oidcConfig>,
  ) {}

  @Public()
  @Get('auth/providers')
  @ApiOperation({ summary: 'The configured sign-in providers' })
  @ApiOkResponse({ type: [AuthProviderDto] })
  providers(): AuthProviderDto[] {
    return this.identities.providers();
  }

  @Public()
  @RateLimit('strict')
  @Get('auth/oidc/:provider')
  @ApiOperation({
    summary: 'Start signing in (or up, or linking with `ticket`) with a provider: 302 to it',
    description:
      'Sets a short-lived cookie that ties the flow to this browser; the provider sends the browser back to the callback.',
  })
  @ApiFoundResponse({ description: 'Redirect to the provider' })
  @ApiErrors('NOT_FOUND', 'OIDC_CODE_INVALID', 'SERVICE_UNAVAILABLE')
  async start(
    @Param() params: ProviderArgs,
    @Query() query: OidcStartQuery,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { url, browserToken } = await this.login.start(params.provider, query);
    const secure = this.config.publicUrl.startsWith('https:') ? '; Secure' : '';
    await reply
      .header(
        'set-cookie',
        `${BROWSER_COOKIE}=${browserToken}; Path=${COOKIE_PATH}; Max-Age=${FLOW_TTL_SECONDS}; HttpOnly; SameSite=Lax${secure}`,
      )
      .header('cache-control', 'no-store')
      .redirect(url.toString(), 302);
  }

  @Public()
  @RateLimit('strict')
  @Get('auth/oidc/:provider/callback')
  @ApiOperation({
    summary: "The provider's redirect back: 302 to OIDC_REDIRECT_URL with a one-time `code`",
    description:
      'Or `?linked=<provider>` after a linking, or `?error=<CODE>`. Without OIDC_REDIRECT_URL the answer is JSON: `{ code }` or `{ linked }`, errors as problems. A bad `state` is always 400.',
  })
  @ApiFoundResponse({ description: 'Redirect to OIDC_REDIRECT_URL' })
  @ApiOkResponse({ type: OidcCallbackResultDto, description: 'Without OIDC_REDIRECT_URL' })
  @ApiErrors('OIDC_STATE_INVALID', 'OIDC_LOGIN_FAILED', 'OIDC_ACCOUNT_EXISTS', 'NOT_FOUND')
  async callback(
    @Param() params: ProviderArgs,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Client() client: ClientInfo,
  ): Promise<void> {
    const search = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    const expire = `${BROWSER_COOKIE}=; Path=${COOKIE_PATH}; Max-Age=0; HttpOnly; SameSite=Lax`;
    reply.header('set-cookie', expire).header('cache-control', 'no-store');
    const target = this.config.redirectUrl;
    let outcome: Record<string, string>;
    try {
      const result = await this.login.callback(
        params.provider,
        search,
        cookieOf(request, BROWSER_COOKIE),
        client,
      );
      outcome = result.kind === 'code' ? { code: result.code } : { linked: result.provider };
    } catch (error) {
      // Not our flow (forged, replayed, another browser's): nothing to tell a front-end.
      if (!target || !(error instanceof AppException) || error.code === 'OIDC_STATE_INVALID') {
        throw error;
      }
      outcome = { error: error.code };
    }
    if (!target) {
      await reply.status(200).send(outcome);
      return;
    }
    const url = new URL(target);
    for (const [key, value] of Object.entries(outcome)) url.searchParams.set(key, value);
    await reply.redirect(url.toString(), 302);
  }

  @Public()
  @RateLimit('strict')
  @Post('auth/oidc/exchange')
  @HttpCode(200)
  @ApiOperation({ summary: "Exchange the callback's one-time code for a session" })
  @ApiOkResponse({ type: AuthPayloadDto })
  @ApiErrors('OIDC_CODE_INVALID', 'OTP_REQUIRED', 'UNAUTHENTICATED', 'FORBIDDEN')
  exchange(
    @Body() input: ExchangeOidcCodeInput,
    @Client() client: ClientInfo,
  ): Promise<AuthPayloadDto> {
    return this.login.exchange(input, client);
  }

  @ApiBearerAuth()
  @SessionOnly()
  @Get('users/me/identities')
  @ApiOperation({ summary: 'The provider accounts linked to mine' })
  @ApiOkResponse({ type: IdentityPage })
  list(@CurrentUser() actor: AuthUser): Promise<Page<IdentityDto>> {
    return this.identities.list(actor);
  }

  @ApiBearerAuth()
  @SessionOnly()
  @Delete('users/me/identities/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unlink a provider account (never the last way to sign in)' })
  @ApiNoContentResponse()
  @ApiErrors('NOT_FOUND', 'LAST_SIGN_IN_METHOD')
  async unlink(@CurrentUser() actor: AuthUser, @UuidParam('id') id: string): Promise<void> {
    await this.identities.unlink(actor, id);
  }

  @ApiBearerAuth()
  @SessionOnly()
  @RateLimit('strict')
  @Post('users/me/identities/:provider')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start linking a provider: open the returned URL in the browser' })
  @ApiOkResponse({ type: LinkStartDto })
  @ApiErrors('NOT_FOUND')
  linkStart(@CurrentUser() actor: AuthUser, @Param() params: ProviderArgs): Promise<LinkStartDto> {
    return this.identities.startLink(actor, params.provider);
  }
}
