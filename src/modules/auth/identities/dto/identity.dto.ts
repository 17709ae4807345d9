import { Field, GraphQLISODateTime, ID, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageType } from '../../../../core/pagination/page.js';
import type { UserIdentity } from '../identities.repository.js';

@ObjectType('AuthProvider')
export class AuthProviderDto {
  @ApiProperty({ example: 'google', description: 'The id in /auth/oidc/{provider}' })
  @Field()
  id!: string;

  @ApiProperty({ example: 'Google' })
  @Field()
  name!: string;
}

@ObjectType('Identity')
export class IdentityDto {
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) id!: string;
  @ApiProperty({ example: 'google' }) @Field() provider!: string;
  @ApiProperty({ description: "The provider's issuer identifier" }) @Field() issuer!: string;
  @ApiPropertyOptional({ description: 'The e-mail the provider sent at the last sign-in' })
  @Field(() => String, { nullable: true })
  email!: string | null;
  @ApiProperty() @Field() emailVerified!: boolean;
  @ApiProperty() @Field(() => GraphQLISODateTime) linkedAt!: Date;
  @ApiPropertyOptional()
  @Field(() => GraphQLISODateTime, { nullable: true })
  lastUsedAt!: Date | null;
}

export const IdentityPage = PageType(IdentityDto, 'IdentityPage');

@ObjectType('IdentityLinkStart')
export class LinkStartDto {
  @ApiProperty({
    description: 'Open this URL in the browser (valid 10 minutes, once) to link the provider',
  })
  @Field()
  url!: string;
}

/** The callback's JSON answer when OIDC_REDIRECT_URL is unset (else these go in the redirect). */
export class OidcCallbackResultDto {
  @ApiPropertyOptional({ description: 'The one-time code for POST /auth/oidc/exchange (60 s)' })
  code?: string;

  @ApiPropertyOptional({ description: 'The provider just linked to the account' })
  linked?: string;
}

/** Subject omitted: the provider's id of the person is not the client's business. */
export function toIdentityDto(identity: UserIdentity): IdentityDto {
  return {
    id: identity.id,
    provider: identity.provider,
    issuer: identity.issuer,
    email: identity.email,
    emailVerified: identity.emailVerified,
    linkedAt: identity.linkedAt,
    lastUsedAt: identity.lastUsedAt,
  };
}
