import { Field, GraphQLISODateTime, ID, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageType } from '../../../core/pagination/page.js';
import type { ApiKeyEntity } from '../api-key.entity.js';

/** A key as listed: never the secret. */
@ObjectType('ApiKey')
export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) id!: string;
  @ApiProperty() @Field() name!: string;
  @ApiProperty({ description: 'The first 8 characters after nsk_, to tell keys apart' })
  @Field()
  prefix!: string;
  @ApiProperty({ type: [String], description: 'Permissions the key may use' })
  @Field(() => [String])
  scopes!: string[];
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) ownerId!: string;
  @ApiProperty() @Field(() => GraphQLISODateTime) expiresAt!: Date;
  @ApiPropertyOptional({ description: 'Updated at most once a minute' })
  @Field(() => GraphQLISODateTime, { nullable: true })
  lastUsedAt!: Date | null;
  @ApiProperty() @Field(() => GraphQLISODateTime) createdAt!: Date;
}

/** A key just created or rotated: the only answer that carries the secret. */
@ObjectType('CreatedApiKey')
export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key (nsk_…): shown once, store it now' })
  @Field({ description: 'The key (nsk_…): shown once, store it now' })
  key!: string;
}

export const ApiKeyPage = PageType(ApiKeyDto, 'ApiKeyPage');

export const toApiKeyDto = (key: ApiKeyEntity): ApiKeyDto => ({
  id: key.id,
  name: key.name,
  prefix: key.prefix,
  scopes: key.scopes,
  ownerId: key.ownerId,
  expiresAt: key.expiresAt,
  lastUsedAt: key.lastUsedAt,
  createdAt: key.createdAt,
});

export const toCreatedApiKeyDto = (key: ApiKeyEntity, secret: string): CreatedApiKeyDto => ({
  ...toApiKeyDto(key),
  key: secret,
});
