import { Body, Controller, Delete, Get, HttpCode, Post, Res, StreamableFile } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { UuidParam } from '../../core/validation/uuid.js';
import { AccountService } from './account.service.js';
import {
  ChangeEmailInput,
  ConfirmEmailChangeInput,
  DeleteAccountInput,
  JobAcceptedDto,
} from './dto/account.inputs.js';
import { ApiAcceptedEmpty, ApiErrors } from '../../core/http/openapi-decorators.js';
import { SessionOnly } from '../../core/auth/auth.guard.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users/me')
// Account security: a signed-in session, never an API key.
@SessionOnly()
export class AccountController {
  constructor(private readonly account: AccountService) {}

  @Post('email')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Change my email: a link goes to the new address, a notice to the old one',
  })
  @ApiAcceptedEmpty('Confirmation link mailed to the new address')
  @ApiErrors('CONFLICT')
  async changeEmail(
    @CurrentUser() actor: AuthUser,
    @Body() input: ChangeEmailInput,
  ): Promise<Record<string, never>> {
    await this.account.changeEmail(actor, input);
    return {};
  }

  @Post('email/confirm')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Confirm a change of my email with the mailed token',
    description:
      'Signed in as the account that asked for the change; any other account gets the same 400 as for an invalid token.',
  })
  async confirmEmailChange(
    @CurrentUser() actor: AuthUser,
    @Body() input: ConfirmEmailChangeInput,
  ): Promise<void> {
    await this.account.confirmEmailChange(actor, input.token);
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete my account (restorable for AUTH_ACCOUNT_RESTORE_DAYS, then anonymised)',
  })
  async deleteAccount(
    @CurrentUser() actor: AuthUser,
    @Body() input: DeleteAccountInput,
  ): Promise<void> {
    await this.account.deleteAccount(actor, input);
  }

  @Post('export')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Export my data (GDPR) as a background job',
    description: 'Follow the job at the Location header; its result names the download path.',
  })
  @ApiAcceptedResponse({ type: JobAcceptedDto })
  async exportMyData(
    @CurrentUser() actor: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobAcceptedDto> {
    const accepted = await this.account.requestExport(actor);
    reply.header('Location', `/api/v1/jobs/${accepted.jobId}`);
    return accepted;
  }

  // The route /work/shared/API.md publishes; a job is started, so POST is the one to use.
  @Get('export')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Export my data (GDPR) — deprecated spelling of POST /users/me/export',
    deprecated: true,
  })
  @ApiAcceptedResponse({ type: JobAcceptedDto })
  exportMyDataByGet(
    @CurrentUser() actor: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobAcceptedDto> {
    return this.exportMyData(actor, reply);
  }

  @Get('export/:jobId/download')
  @ApiProduces('application/json')
  @ApiOperation({ summary: 'Download the archive of my finished export job' })
  @ApiOkResponse({
    description: 'The export file (JSON)',
    schema: { type: 'string', format: 'binary' },
  })
  @ApiErrors('CONFLICT', 'EXPORT_FAILED')
  async downloadExport(
    @CurrentUser() actor: AuthUser,
    @UuidParam('jobId') jobId: string,
  ): Promise<StreamableFile> {
    const file = await this.account.openExport(actor, jobId);
    return new StreamableFile(file.stream, {
      type: 'application/json',
      disposition: `attachment; filename="${file.filename}"`,
      length: file.size,
    });
  }
}
