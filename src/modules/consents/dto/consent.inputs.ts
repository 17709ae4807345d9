import { Field, InputType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { CONSENT_PURPOSES, type ConsentPurpose } from '../consent-purposes.js';

/**
 * One grant or withdrawal: `PUT /users/me/consents`, `setConsent(input)`, and each entry of
 * `consents` at registration (one class for REST and GraphQL).
 */
@InputType('ConsentInput')
export class ConsentInput {
  @ApiProperty({ enum: CONSENT_PURPOSES })
  @Field(() => String, { description: `One of ${CONSENT_PURPOSES.join(', ')}` })
  @IsIn(CONSENT_PURPOSES, { message: `purpose must be one of ${CONSENT_PURPOSES.join(', ')}` })
  purpose!: ConsentPurpose;

  @ApiProperty({ description: 'true grants, false withdraws' })
  @Field()
  @IsBoolean()
  granted!: boolean;

  @ApiProperty({ example: '2026-01', minLength: 1, maxLength: 50 })
  @Field({ description: 'The version of the policy the user was shown' })
  @IsString()
  @MinLength(1)
  @MaxLength(50)
  @Matches(/^[A-Za-z0-9._-]+$/, { message: 'policyVersion must be letters, digits, . _ -' })
  policyVersion!: string;
}
