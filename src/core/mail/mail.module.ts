import { Global, Module } from '@nestjs/common';
import { MailService } from './mail.service.js';
import { MailWorker } from './mail.worker.js';

/** Queued mail: `MailService.send` anywhere, `MailWorker` delivers. */
@Global()
@Module({
  providers: [MailService, MailWorker],
  exports: [MailService, MailWorker],
})
export class MailModule {}
