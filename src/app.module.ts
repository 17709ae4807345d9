import { Module } from '@nestjs/common';
import { CoreModule } from './core/core.module.js';
import { AccountPagesModule } from './modules/account-pages/account-pages.module.js';
import { AdminUiModule } from './modules/admin-ui/admin-ui.module.js';
import { ApiKeysModule } from './modules/api-keys/api-keys.module.js';
import { AuditModule } from './modules/audit/audit.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { ConsentsModule } from './modules/consents/consents.module.js';
import { FilesModule } from './modules/files/files.module.js';
import { HealthModule } from './modules/health/health.module.js';
import { InvitesModule } from './modules/invites/invites.module.js';
import { NotificationsModule } from './modules/notifications/notifications.module.js';
import { StatsModule } from './modules/stats/stats.module.js';
import { WebhooksModule } from './modules/webhooks/webhooks.module.js';

@Module({
  imports: [
    CoreModule,
    HealthModule,
    AuthModule,
    AuditModule,
    FilesModule,
    NotificationsModule,
    StatsModule,
    AdminUiModule,
    AccountPagesModule,
    ApiKeysModule,
    InvitesModule,
    ConsentsModule,
    WebhooksModule,
  ],
})
export class AppModule {}
