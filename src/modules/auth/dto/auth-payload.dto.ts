import { Field, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageType } from '../../../core/pagination/page.js';
import { UserDto } from './user.dto.js';

@ObjectType('AuthPayload')
export class AuthPayloadDto {
  @ApiProperty({ type: UserDto }) @Field(() => UserDto) user!: UserDto;
  @ApiPropertyOptional({
    description: 'JWT access token; absent after registration while the email is unverified',
  })
  @Field(() => String, { nullable: true })
  accessToken?: string;
  @ApiPropertyOptional({ description: 'Opaque refresh token; rotated on every use' })
  @Field(() => String, { nullable: true })
  refreshToken?: string;
  @ApiPropertyOptional({ description: 'Access-token lifetime in seconds' })
  @Field(() => Int, { nullable: true })
  expiresIn?: number;
}

@ObjectType('Session')
export class SessionDto {
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) id!: string;
  @ApiProperty() @Field(() => GraphQLISODateTime) createdAt!: Date;
  @ApiProperty() @Field(() => GraphQLISODateTime) lastUsedAt!: Date;
  @ApiProperty() @Field(() => GraphQLISODateTime) expiresAt!: Date;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) ip!: string | null;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) userAgent!: string | null;
  @ApiProperty({ description: 'The session of the access token in use' })
  @Field()
  current!: boolean;
}

export const SessionPage = PageType(SessionDto, 'SessionPage');
