import { Field, InputType, Int } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { NormalizedEmail } from '../../../core/validation/validators.js';

export const MAX_INVITE_TTL_HOURS = 720;

/** `POST /admin/invites` body and `createInvite(input)`. */
@InputType('CreateInviteInput')
export class CreateInviteInput {
  @ApiPropertyOptional({ description: 'Only this address may register with the invite' })
  @Field(() => String, { nullable: true })
  @IsOptional()
  @NormalizedEmail()
  email?: string;

  @ApiPropertyOptional({ description: 'A role granted on registration (needs roles.assign)' })
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z][a-z0-9_.-]{0,49}$/, { message: 'role must be a role name' })
  role?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_INVITE_TTL_HOURS,
    description: 'Default INVITE_DEFAULT_TTL_HOURS',
  })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_INVITE_TTL_HOURS)
  expiresInHours?: number;
}
