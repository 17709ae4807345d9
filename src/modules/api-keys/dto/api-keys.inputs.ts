import { Field, ID, InputType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
} from 'class-validator';
import { PERMISSIONS } from '../../../core/auth/permissions.js';

@InputType('CreateApiKeyInput')
export class CreateApiKeyInput {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'CI deploys' })
  @Field()
  @IsString()
  @Length(1, 100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;

  @ApiProperty({
    type: [String],
    enum: PERMISSIONS,
    description: "Permissions the key may use: a subset of the creator's (and owner's)",
  })
  @Field(() => [String])
  @IsArray()
  @ArrayMaxSize(PERMISSIONS.length)
  @IsString({ each: true })
  @IsIn(PERMISSIONS, { each: true, message: 'each scope must be a permission name' })
  scopes!: string[];

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Defaults to API_KEY_DEFAULT_TTL_DAYS from now; at most API_KEY_MAX_TTL_DAYS',
  })
  @Field(() => String, { nullable: true, description: 'ISO 8601 date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Make the key for another account (a service account): needs users.manage',
  })
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID('all')
  ownerId?: string;
}
