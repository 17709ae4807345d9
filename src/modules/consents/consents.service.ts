import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../../core/auth/auth-user.js';
import type { ClientInfo } from '../../core/http/client-info.decorator.js';
import { CONSENT_PURPOSES } from './consent-purposes.js';
import type { ConsentDto } from './dto/consent.dto.js';
import type { ConsentInput } from './dto/consent.inputs.js';
import { type ConsentRow, ConsentsRepository } from './consents.repository.js';

const toDto = (row: ConsentRow): ConsentDto => ({
  purpose: row.purpose,
  granted: row.granted,
  policyVersion: row.policyVersion,
  updatedAt: row.createdAt,
});

/** The caller's consents: every purpose's current state, and a new grant or withdrawal. */
@Injectable()
export class ConsentsService {
  constructor(private readonly consents: ConsentsRepository) {}

  /** Every purpose, in a fixed order; one never answered is not granted. */
  async mine(actor: AuthUser): Promise<ConsentDto[]> {
    const latest = new Map((await this.consents.latest(actor.id)).map((r) => [r.purpose, r]));
    return CONSENT_PURPOSES.map((purpose) => {
      const row = latest.get(purpose);
      return row ? toDto(row) : { purpose, granted: false, policyVersion: null, updatedAt: null };
    });
  }

  /** Appends the answer to the history (with where it came from); the earlier rows stay. */
  async set(actor: AuthUser, input: ConsentInput, client: ClientInfo): Promise<ConsentDto> {
    const [row] = await this.consents.append(actor.id, [
      { ...pick(input), ip: client.ip, userAgent: client.userAgent },
    ]);
    return toDto(row);
  }
}

/** Only the declared fields of an input, whatever else a client sent. */
export const pick = ({ purpose, granted, policyVersion }: ConsentInput) => ({
  purpose,
  granted,
  policyVersion,
});
