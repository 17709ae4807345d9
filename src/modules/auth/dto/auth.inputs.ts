import { applyDecorators } from '@nestjs/common';
import { ArgsType, Field, InputType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import {
  NormalizedEmail,
  OpaqueToken,
  PasswordString,
} from '../../../core/validation/validators.js';
import { CONSENT_PURPOSES } from '../../consents/consent-purposes.js';
import { ConsentInput } from '../../consents/dto/consent.inputs.js';

@InputType()
export class RegisterInput {
  @ApiProperty({ example: 'ada@example.com' })
  @Field()
  @NormalizedEmail()
  email!: string;

  @ApiProperty({ minLength: 10, maxLength: 128 })
  @Field()
  @PasswordString()
  password!: string;

  @ApiPropertyOptional({ pattern: '^[A-Za-z0-9_.-]{3,30}$' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{3,30}$/, { message: 'username must be 3-30 of letters, digits, _ . -' })
  username?: string;

  @ApiPropertyOptional({
    description: 'The invite token (required with REGISTRATION_MODE=invite)',
    maxLength: 200,
  })
  @Field({ nullable: true })
  @IsOptional()
  @OpaqueToken()
  inviteToken?: string;

  @ApiPropertyOptional({
    type: [ConsentInput],
    maxItems: CONSENT_PURPOSES.length,
    description: "Consents given at sign-up; CONSENT_REQUIRED=true needs 'essential' granted",
  })
  @Field(() => [ConsentInput], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(CONSENT_PURPOSES.length)
  @ValidateNested({ each: true })
  @Type(() => ConsentInput)
  consents?: ConsentInput[];
}

@InputType()
export class LoginInput {
  @ApiProperty()
  @Field()
  @NormalizedEmail()
  email!: string;

  @ApiProperty()
  @Field()
  @PasswordString()
  password!: string;

  @ApiPropertyOptional({ description: 'TOTP code, when two-factor authentication is on' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  otp?: string;
}

/** `POST /auth/restore` / `restoreAccount`: the deleted account's credentials, as for a login. */
@InputType()
export class RestoreAccountInput extends LoginInput {}

// An empty refresh token is a token that matches no session (401), not malformed input.
const RefreshToken = () => applyDecorators(IsString(), MaxLength(200));

/** `POST /auth/refresh` body. */
export class RefreshInput {
  @ApiProperty({ maxLength: 200 })
  @RefreshToken()
  refreshToken!: string;
}

/** `refreshToken(token)`: the public GraphQL name differs from the REST field, the bounds do not. */
@ArgsType()
export class RefreshTokenArgs {
  @Field()
  @RefreshToken()
  token!: string;
}

/** `POST /auth/logout` body and `logout(refreshToken)` arguments. */
@ArgsType()
export class LogoutInput {
  @ApiPropertyOptional({
    description: 'Also revoke this refresh token (defaults to the session of the access token)',
  })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  refreshToken?: string;
}

/** `POST /auth/verify-email` body and `verifyEmail(token)` arguments. */
@ArgsType()
export class VerifyEmailInput {
  @ApiProperty({
    description: 'The token from the verification link',
    minLength: 1,
    maxLength: 200,
  })
  @Field()
  @OpaqueToken()
  token!: string;
}

/** `POST /auth/password/forgot` body and `requestPasswordReset(email)` arguments. */
@ArgsType()
export class ForgotPasswordInput {
  @ApiProperty({ example: 'ada@example.com' })
  @Field()
  @NormalizedEmail()
  email!: string;
}

@InputType()
export class ResetPasswordInput {
  @ApiProperty({ description: 'The token from the reset link', minLength: 1, maxLength: 200 })
  @Field()
  @OpaqueToken()
  token!: string;

  @ApiProperty({ minLength: 10, maxLength: 128 })
  @Field()
  @PasswordString()
  password!: string;
}
