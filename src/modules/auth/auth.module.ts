import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { AccountController } from './account.controller.js';
import { AccountResolver } from './account.resolver.js';
import { AccountService } from './account.service.js';
import { AccountsRepository } from './accounts.repository.js';
import { AccountsWorker } from './accounts.worker.js';
import { AdminBootstrap } from './admin-bootstrap.js';
import { AdminUsersController } from './admin/admin-users.controller.js';
import { AdminUsersRepository } from './admin/admin-users.repository.js';
import { AdminUsersResolver } from './admin/admin-users.resolver.js';
import { AdminUsersService } from './admin/admin-users.service.js';
import { AuthNotificationTypes } from './auth.notifications.js';
import { AuthController } from './auth.controller.js';
import { AuthResolver } from './auth.resolver.js';
import { AuthService } from './auth.service.js';
import { AuthStatsSource } from './auth.stats-source.js';
import { LOGIN_RESULTS, LoginAttemptsService } from './login-attempts.service.js';
import { PasswordService } from './password.service.js';
import { RotatedRefreshTokenEntity } from './rotated-refresh-token.entity.js';
import { SessionIssuer } from './session-issuer.service.js';
import { SessionEntity } from './session.entity.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';
import { TwoFactorController } from './two-factor.controller.js';
import { TwoFactorRequiredGuard } from './two-factor-required.guard.js';
import { TwoFactorResolver } from './two-factor.resolver.js';
import { TwoFactorBackupCodeEntity } from './two-factor-backup-code.entity.js';
import { TwoFactorRepository } from './two-factor.repository.js';
import { TwoFactorService } from './two-factor.service.js';
import { UserEntity } from './user.entity.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersResolver } from './users.resolver.js';
import { UsersService } from './users.service.js';
import { UserTokenEntity } from './user-token.entity.js';
import { UserTokensRepository } from './user-tokens.repository.js';
import { VerificationService } from './verification.service.js';
import { IdentitiesController } from './identities/identities.controller.js';
import { IdentitiesExportSection } from './identities/identities.export-section.js';
import { IdentitiesRepository } from './identities/identities.repository.js';
import { IdentitiesResolver } from './identities/identities.resolver.js';
import { IdentitiesService } from './identities/identities.service.js';
import { OidcClient } from './identities/oidc-client.service.js';
import { OidcFlowsRepository } from './identities/oidc-flows.repository.js';
import { OidcLoginService } from './identities/oidc-login.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([
      UserEntity,
      SessionEntity,
      RotatedRefreshTokenEntity,
      UserTokenEntity,
      TwoFactorBackupCodeEntity,
    ]),
  ],
  controllers: [
    AuthController,
    UsersController,
    AccountController,
    TwoFactorController,
    AdminUsersController,
    IdentitiesController,
  ],
  providers: [
    AdminUsersService,
    AdminUsersRepository,
    AdminUsersResolver,
    AdminBootstrap,
    AuthService,
    SessionIssuer,
    SessionsService,
    UsersService,
    PasswordService,
    UsersRepository,
    SessionsRepository,
    UserTokensRepository,
    VerificationService,
    AuthNotificationTypes,
    AuthStatsSource,
    AccountService,
    AccountsRepository,
    AccountsWorker,
    AccountResolver,
    LoginAttemptsService,
    TwoFactorService,
    TwoFactorRepository,
    TwoFactorResolver,
    { provide: APP_GUARD, useClass: TwoFactorRequiredGuard },
    AuthResolver,
    UsersResolver,
    // OpenID Connect sign-in and linked identities (identities/).
    OidcClient,
    OidcFlowsRepository,
    IdentitiesRepository,
    OidcLoginService,
    IdentitiesService,
    IdentitiesResolver,
    IdentitiesExportSection,
    makeCounterProvider({ name: 'users_registered_total', help: 'Accounts registered' }),
    makeCounterProvider({
      name: 'logins_total',
      help: `Login attempts by result (${LOGIN_RESULTS.join(', ')})`,
      labelNames: ['result'],
    }),
  ],
  exports: [UsersService, PasswordService, AdminUsersService],
})
export class AuthModule {}
