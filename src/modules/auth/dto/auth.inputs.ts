import { Field, InputType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { NormalizedEmail } from '../../../core/validation/validators.js';

@InputType()
export class RegisterInput {
  @ApiProperty({ example: 'ada@example.com' })
  @Field()
  @NormalizedEmail()
  email!: string;

  @ApiProperty({ minLength: 10, maxLength: 128 })
  @Field()
  @IsString()
  @MaxLength(128)
  password!: string;

  @ApiPropertyOptional({ pattern: '^[A-Za-z0-9_.-]{3,30}$' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{3,30}$/, { message: 'username must be 3-30 of letters, digits, _ . -' })
  username?: string;
}

@InputType()
export class LoginInput {
  @ApiProperty()
  @Field()
  @NormalizedEmail()
  email!: string;

  @ApiProperty()
  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  password!: string;

  @ApiPropertyOptional({ description: 'TOTP code, when two-factor authentication is on' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  otp?: string;
}

@InputType()
export class RefreshInput {
  @ApiProperty()
  @Field()
  @IsString()
  @MaxLength(200)
  refreshToken!: string;
}

@InputType()
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

@InputType()
export class VerifyEmailInput {
  @ApiProperty({ description: 'The token from the verification link' })
  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  token!: string;
}

@InputType()
export class ForgotPasswordInput {
  @ApiProperty({ example: 'ada@example.com' })
  @Field()
  @NormalizedEmail()
  email!: string;
}

@InputType()
export class ResetPasswordInput {
  @ApiProperty({ description: 'The token from the reset link' })
  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  token!: string;

  @ApiProperty({ minLength: 10, maxLength: 128 })
  @Field()
  @IsString()
  @MaxLength(128)
  password!: string;
}
