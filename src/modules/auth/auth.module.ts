import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { AdminBootstrap } from './admin-bootstrap.js';
import { AuthController } from './auth.controller.js';
import { AuthResolver } from './auth.resolver.js';
import { AuthService } from './auth.service.js';
import { PasswordService } from './password.service.js';
import { SessionEntity } from './session.entity.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';
import { UserEntity } from './user.entity.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersResolver } from './users.resolver.js';
import { UsersService } from './users.service.js';
import { UserTokensRepository } from './user-tokens.repository.js';
import { VerificationService } from './verification.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity, SessionEntity])],
  controllers: [AuthController, UsersController],
  providers: [
    AdminBootstrap,
    AuthService,
    SessionsService,
    UsersService,
    PasswordService,
    UsersRepository,
    SessionsRepository,
    UserTokensRepository,
    VerificationService,
    AuthResolver,
    UsersResolver,
    makeCounterProvider({ name: 'users_registered_total', help: 'Accounts registered' }),
    makeCounterProvider({
      name: 'logins_total',
      help: 'Login attempts by result (success, failure, banned)',
      labelNames: ['result'],
    }),
  ],
  exports: [UsersService, PasswordService],
})
export class AuthModule {}
