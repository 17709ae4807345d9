import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { accountPagesConfig } from '../../config/account-pages.config.js';
import { AccountPagesRoutes } from './account-pages.routes.js';

/** Pages for the mailed links: /account/verify-email, reset-password, confirm-email-change. */
@Module({
  imports: [ConfigModule.forFeature(accountPagesConfig)],
  providers: [AccountPagesRoutes],
})
export class AccountPagesModule {}
