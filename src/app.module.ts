import { Module } from '@nestjs/common';
import { CoreModule } from './core/core.module.js';
import { HealthModule } from './modules/health/health.module.js';

@Module({
  imports: [CoreModule, HealthModule],
})
export class AppModule {}
