import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { DomainEvent } from '../../core/events/domain-events.js';
import { ConsentsRepository } from './consents.repository.js';

/**
 * An anonymised account keeps its consent history (what was agreed to, which policy, when) as
 * the record of consent, without the IP and user agent it was given from.
 */
@Injectable()
export class ConsentsListener {
  private readonly logger = new Logger('Consents');

  constructor(private readonly consents: ConsentsRepository) {}

  @OnEvent('user.anonymised')
  async onUserAnonymised(event: DomainEvent<'user.anonymised'>): Promise<void> {
    try {
      await this.consents.forgetOrigin(event.userId);
    } catch (err) {
      this.logger.error({ err, userId: event.userId }, 'Could not anonymise consent records');
    }
  }
}
