import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { Client, type ClientInfo } from '../../core/http/client-info.decorator.js';
import { ConsentDto } from './dto/consent.dto.js';
import { ConsentInput } from './dto/consent.inputs.js';
import { ConsentsService } from './consents.service.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users/me/consents')
export class ConsentsController {
  constructor(private readonly consents: ConsentsService) {}

  @Get()
  @ApiOperation({ summary: 'My consents: the current state of every purpose' })
  @ApiOkResponse({ type: [ConsentDto] })
  mine(@CurrentUser() actor: AuthUser): Promise<ConsentDto[]> {
    return this.consents.mine(actor);
  }

  @Put()
  @ApiOperation({
    summary: 'Grant or withdraw a consent',
    description: 'Each answer is kept (time, IP, user agent, policy version); the latest counts.',
  })
  @ApiOkResponse({ type: ConsentDto })
  set(
    @CurrentUser() actor: AuthUser,
    @Body() input: ConsentInput,
    @Client() client: ClientInfo,
  ): Promise<ConsentDto> {
    return this.consents.set(actor, input, client);
  }
}
