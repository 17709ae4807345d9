import { Body, Controller, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { Permissions } from '../../core/auth/permissions.decorator.js';
import { InviteCreatedDto } from './dto/invite.dto.js';
import { CreateInviteInput } from './dto/invite.inputs.js';
import { InvitesService } from './invites.service.js';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/invites')
export class InvitesController {
  constructor(private readonly invites: InvitesService) {}

  @Post()
  @Permissions('invites.create')
  @ApiOperation({
    summary: 'Issue a registration invite',
    description: 'Single use; the token is shown once. A role needs roles.assign.',
  })
  @ApiCreatedResponse({ type: InviteCreatedDto })
  create(
    @CurrentUser() actor: AuthUser,
    @Body() input: CreateInviteInput,
  ): Promise<InviteCreatedDto> {
    return this.invites.create(actor, input);
  }
}
