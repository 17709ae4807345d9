import { Global, Module } from '@nestjs/common';
import { AccountErasureRepository } from './account-erasure.repository.js';
import { ConsentsController } from './consents.controller.js';
import { ConsentsExportSection } from './consents.export-section.js';
import { ConsentsListener } from './consents.listener.js';
import { ConsentsRepository } from './consents.repository.js';
import { ConsentsResolver } from './consents.resolver.js';
import { ConsentsService } from './consents.service.js';

/**
 * Consent records (GDPR): one row per grant or withdrawal, current state = latest per purpose,
 * the whole history in the data export. Global because registration (auth) writes consents in
 * its own transaction and account deletion records the erase-or-anonymise choice here.
 */
@Global()
@Module({
  controllers: [ConsentsController],
  providers: [
    ConsentsRepository,
    ConsentsService,
    ConsentsResolver,
    ConsentsExportSection,
    ConsentsListener,
    AccountErasureRepository,
  ],
  exports: [ConsentsRepository, AccountErasureRepository],
})
export class ConsentsModule {}
