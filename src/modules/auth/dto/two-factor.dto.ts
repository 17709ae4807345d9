import { ArgsType, Field, InputType, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { PasswordString } from '../../../core/validation/validators.js';

@ObjectType('TwoFactorSetup')
export class TwoFactorSetupDto {
  @ApiProperty({ description: 'otpauth:// URI to show as a QR code' })
  @Field()
  otpauthUrl!: string;

  @ApiProperty({ description: 'The base32 secret, for manual entry' })
  @Field()
  secret!: string;
}

@ObjectType('TwoFactorBackupCodes')
export class TwoFactorBackupCodesDto {
  @ApiProperty({ type: [String], description: 'Ten single-use codes, shown only this once' })
  @Field(() => [String])
  backupCodes!: string[];
}

/** `POST /auth/2fa/enable` body and `enableTwoFactor(code)` arguments. */
@ArgsType()
export class EnableTwoFactorInput {
  @ApiProperty({ description: 'The current code from the authenticator app' })
  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(20)
  code!: string;
}

@InputType()
export class DisableTwoFactorInput {
  @ApiProperty()
  @Field()
  @PasswordString()
  password!: string;

  @ApiProperty({ description: 'A current authenticator code or an unused backup code' })
  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(20)
  code!: string;
}
