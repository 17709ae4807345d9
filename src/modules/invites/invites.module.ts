import { Global, Module } from '@nestjs/common';
import { ConsentsModule } from '../consents/consents.module.js';
import { InvitesController } from './invites.controller.js';
import { InvitesRepository } from './invites.repository.js';
import { InvitesResolver } from './invites.resolver.js';
import { InvitesService } from './invites.service.js';
import { RegistrationGate } from './registration-gate.service.js';

/**
 * Registration modes and invites. Global because the auth module's registration asks the gate
 * (RegistrationGate) who may register and what the new account's transaction must also write.
 */
@Global()
@Module({
  imports: [ConsentsModule],
  controllers: [InvitesController],
  providers: [InvitesRepository, InvitesService, InvitesResolver, RegistrationGate],
  exports: [RegistrationGate],
})
export class InvitesModule {}
