import { Module } from '@nestjs/common';
import { AdminUiRoutes } from './admin-ui.routes.js';

/** The admin statistics page at /admin (ADMIN_UI_ENABLED; off in production by default). */
@Module({ providers: [AdminUiRoutes] })
export class AdminUiModule {}
