import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { registrationConfig } from '../../config/registration.config.js';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { PermissionsService } from '../../core/auth/permissions.service.js';
import { AppException } from '../../core/errors/app.exception.js';
import { EventBus } from '../../core/events/event-bus.js';
import type { InviteCreatedDto } from './dto/invite.dto.js';
import type { CreateInviteInput } from './dto/invite.inputs.js';
import { hashInviteToken, newInviteToken } from './invite-token.js';
import { InvitesRepository } from './invites.repository.js';

const HOUR_MS = 3_600_000;

/** Issues registration invites (permission invites.create). */
@Injectable()
export class InvitesService {
  constructor(
    private readonly invites: InvitesRepository,
    private readonly permissions: PermissionsService,
    private readonly events: EventBus,
    @Inject(registrationConfig.KEY) private readonly config: ConfigType<typeof registrationConfig>,
  ) {}

  /**
   * A role on the invite follows the admin-users rules: it must exist, and the issuer must be
   * allowed to assign roles (roles.assign), or the invite would grant what its issuer cannot.
   */
  async create(actor: AuthUser, input: CreateInviteInput): Promise<InviteCreatedDto> {
    const role = input.role ?? null;
    let roleId: string | null = null;
    if (role) {
      await this.permissions.assert(actor, 'roles.assign');
      roleId = (await this.invites.roleId(role)) ?? null;
      if (!roleId) {
        throw new AppException('VALIDATION_FAILED', `Unknown role: ${role}`, {
          errors: [{ field: 'role', message: `Unknown role: ${role}` }],
        });
      }
    }
    const token = newInviteToken();
    const hours = input.expiresInHours ?? this.config.inviteDefaultTtlHours;
    const expiresAt = new Date(Date.now() + hours * HOUR_MS);
    const email = input.email ?? null;
    const id = await this.invites.create({
      tokenHash: hashInviteToken(token),
      email,
      roleId,
      createdBy: actor.id,
      expiresAt,
    });
    this.events.emit('invite.created', {
      inviteId: id,
      createdBy: actor.id,
      email,
      role,
      expiresAt: expiresAt.toISOString(),
    });
    return { id, token, email, role, expiresAt };
  }
}
