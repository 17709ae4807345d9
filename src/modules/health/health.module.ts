import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { FilesModule } from '../files/files.module.js';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), FilesModule],
  controllers: [HealthController],
  providers: [HealthService],
})
export class HealthModule {}
