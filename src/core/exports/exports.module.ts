import { Global, Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { ExportSections } from './export-section.js';
import { ExportsService } from './exports.service.js';

/** The export pipeline and the registry of archive sections, shared by every module. */
@Global()
@Module({
  providers: [
    ExportsService,
    ExportSections,
    makeCounterProvider({
      name: 'exports_expired_total',
      help: 'Export files (GDPR archives, audit exports) deleted by the daily expiry job',
    }),
  ],
  exports: [ExportsService, ExportSections],
})
export class ExportsModule {}
