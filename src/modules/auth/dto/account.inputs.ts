import { ArgsType, Field, InputType, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { DeletionMode } from '../../../config/registration.config.js';
import { OpaqueToken, PasswordString } from '../../../core/validation/validators.js';

@InputType()
export class ChangeEmailInput {
  @ApiProperty({ format: 'email', maxLength: 254 })
  @Field()
  @IsEmail({}, { message: 'newEmail must be an email address' })
  @MaxLength(254)
  newEmail!: string;

  @ApiProperty({ description: 'My current password' })
  @Field()
  @PasswordString()
  password!: string;
}

/** `POST /users/me/email/confirm` body and `confirmEmailChange(token)` arguments. */
@ArgsType()
export class ConfirmEmailChangeInput {
  @ApiProperty({
    description: 'The token from the link mailed to the new address',
    minLength: 1,
    maxLength: 200,
  })
  @Field()
  @OpaqueToken()
  token!: string;
}

export const DELETION_MODES = ['erase', 'anonymise'] as const satisfies readonly DeletionMode[];

@InputType()
export class DeleteAccountInput {
  @ApiProperty({ description: 'My current password' })
  @Field()
  @PasswordString()
  password!: string;

  @ApiPropertyOptional({ maxLength: 500, description: 'Why I am leaving (optional)' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;

  @ApiPropertyOptional({
    enum: DELETION_MODES,
    description:
      'At the end of the restore window: erase (delete every row) or anonymise (keep the ' +
      'rows, without personal data). Default ACCOUNT_DELETION_DEFAULT',
  })
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsIn(DELETION_MODES, { message: `mode must be one of ${DELETION_MODES.join(', ')}` })
  mode?: DeletionMode;
}

@ObjectType('JobAccepted', { description: 'A background job was queued' })
export class JobAcceptedDto {
  @ApiProperty({ format: 'uuid', description: 'Follow it at GET /api/v1/jobs/{jobId}' })
  @Field()
  jobId!: string;
}

/** What an export job returns; the archive itself is downloaded from `downloadPath`. */
export interface AccountExportResult {
  downloadPath: string;
  bytes: number;
  /** ISO time from which the archive is no longer served (EXPORT_TTL_HOURS after it was written). */
  expiresAt: string;
}
