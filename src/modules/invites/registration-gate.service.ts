import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { registrationConfig } from '../../config/registration.config.js';
import { AppException } from '../../core/errors/app.exception.js';
import { EventBus } from '../../core/events/event-bus.js';
import type { ClientInfo } from '../../core/http/client-info.decorator.js';
import type { AccountExtras } from '../auth/users.repository.js';
import { type ConsentRecord, ConsentsRepository } from '../consents/consents.repository.js';
import { pick } from '../consents/consents.service.js';
import type { ConsentInput } from '../consents/dto/consent.inputs.js';
import { hashInviteToken } from './invite-token.js';
import { InvitesRepository, type UsableInvite } from './invites.repository.js';

/** The parts of a registration the gate looks at (RegisterInput). */
export interface RegistrationRequest {
  email: string;
  inviteToken?: string;
  consents?: ConsentInput[];
}

/** What `admit` let through, for `createAccount`. */
export interface Admission {
  invite?: UsableInvite;
  consents: ConsentRecord[];
}

export const inviteInvalid = (): AppException =>
  new AppException('VALIDATION_FAILED', 'The invite is invalid, expired or already used', {
    errors: [{ field: 'inviteToken', message: 'is invalid, expired or already used' }],
  });

const invalid = (field: string, message: string): AppException =>
  new AppException('VALIDATION_FAILED', message, { errors: [{ field, message }] });

/**
 * Who may register: REGISTRATION_MODE (open, invite, closed), the invite's fixed email, and
 * CONSENT_REQUIRED. Checked before any work; the invite is consumed and the consents written in
 * the transaction that creates the account (UsersRepository.createAccount, which the auth module
 * owns, with `withinAccount` as its extras). The first-admin bootstrap does not register, so no
 * mode affects it.
 */
@Injectable()
export class RegistrationGate {
  constructor(
    private readonly invites: InvitesRepository,
    private readonly consents: ConsentsRepository,
    private readonly events: EventBus,
    @Inject(registrationConfig.KEY) private readonly config: ConfigType<typeof registrationConfig>,
  ) {}

  async admit(request: RegistrationRequest, client: ClientInfo): Promise<Admission> {
    if (this.config.mode === 'closed') {
      throw new AppException('REGISTRATION_CLOSED', 'Registration is closed on this server');
    }
    const consents = this.consentsOf(request, client);
    if (!request.inviteToken) {
      if (this.config.mode !== 'invite') return { consents };
      throw new AppException('INVITE_REQUIRED', 'Registration needs an invite', {
        errors: [{ field: 'inviteToken', message: 'is required' }],
      });
    }
    const invite = await this.invites.findUsable(hashInviteToken(request.inviteToken));
    if (!invite) throw inviteInvalid();
    if (invite.email && invite.email.toLowerCase() !== request.email.toLowerCase()) {
      throw invalid('email', 'email is not the address this invite was issued for');
    }
    return { invite, consents };
  }

  /**
   * What an admitted registration writes in the new account's transaction: the invite consumed
   * (its role granted; used or expired meanwhile, the account is rolled back), the consents
   * given, then the caller's own `extras`.
   */
  withinAccount(admission: Admission, extras?: AccountExtras): AccountExtras {
    const { invite, consents } = admission;
    return async (tx, userId) => {
      const roleIds: string[] = [];
      if (invite) {
        const consumed = await this.invites.consume(invite.id, userId, tx);
        if (!consumed) throw inviteInvalid();
        if (consumed.roleId) roleIds.push(consumed.roleId);
      }
      await this.consents.append(userId, consents, tx);
      await extras?.(tx, userId);
      return { roleIds };
    };
  }

  /** After the account's transaction committed: the invite's use is announced. */
  registered(admission: Admission, userId: string): void {
    const { invite } = admission;
    if (invite) this.events.emit('invite.used', { inviteId: invite.id, userId, role: invite.role });
  }

  private consentsOf(request: RegistrationRequest, client: ClientInfo): ConsentRecord[] {
    const given = request.consents ?? [];
    const purposes = new Set(given.map((c) => c.purpose));
    if (purposes.size !== given.length) {
      throw invalid('consents', 'consents must name each purpose at most once');
    }
    if (this.config.consentRequired && !given.some((c) => c.purpose === 'essential' && c.granted)) {
      throw invalid('consents', "consents must grant 'essential' (CONSENT_REQUIRED)");
    }
    return given.map((c) => ({ ...pick(c), ip: client.ip, userAgent: client.userAgent }));
  }
}
