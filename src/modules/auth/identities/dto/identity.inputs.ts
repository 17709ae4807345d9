import { ArgsType, Field, InputType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { OpaqueToken } from '../../../../core/validation/validators.js';
import { CONSENT_PURPOSES } from '../../../consents/consent-purposes.js';

/** `POST /auth/oidc/exchange` and `exchangeOidcCode(input)`. */
@InputType()
export class ExchangeOidcCodeInput {
  @ApiProperty({ description: 'The one-time `code` the callback redirected with (60 s)' })
  @Field()
  @OpaqueToken()
  code!: string;

  @ApiPropertyOptional({ description: 'A TOTP or backup code, when two-factor is on' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  otp?: string;
}

const PROVIDER_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** A provider id in a path or an argument; an unknown one is 404, a malformed one 400. */
@ArgsType()
export class ProviderArgs {
  @ApiProperty({ example: 'google', pattern: PROVIDER_ID.source })
  @Field()
  @IsString()
  @Matches(PROVIDER_ID, { message: 'provider must be a provider id like google' })
  provider!: string;
}

/**
 * The query of `GET /auth/oidc/:provider`: what a sign-up through the provider carries, or
 * the `ticket` of a linking started with `POST /users/me/identities/:provider`.
 */
export class OidcStartQuery {
  @ApiPropertyOptional({ description: 'Invite token (REGISTRATION_MODE=invite)', maxLength: 200 })
  @IsOptional()
  @OpaqueToken()
  inviteToken?: string;

  @ApiPropertyOptional({
    description: `Purposes consented to at sign-up, comma-separated (${CONSENT_PURPOSES.join(', ')})`,
    example: 'essential,analytics',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(new RegExp(`^(${CONSENT_PURPOSES.join('|')})(,(${CONSENT_PURPOSES.join('|')}))*$`), {
    message: `consents must be a comma-separated list of ${CONSENT_PURPOSES.join(', ')}`,
  })
  consents?: string;

  @ApiPropertyOptional({ description: 'The policy version the consents were given for' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  @Matches(/^[A-Za-z0-9._-]+$/, { message: 'policyVersion must be letters, digits, . _ -' })
  policyVersion?: string;

  @ApiPropertyOptional({ description: 'Link ticket from POST /users/me/identities/{provider}' })
  @IsOptional()
  @OpaqueToken()
  ticket?: string;
}
