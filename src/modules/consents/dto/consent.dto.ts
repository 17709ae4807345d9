import { Field, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { CONSENT_PURPOSES, type ConsentPurpose } from '../consent-purposes.js';

/** The current state of one purpose: its latest grant or withdrawal (never given: not granted). */
@ObjectType('Consent')
export class ConsentDto {
  @ApiProperty({ enum: CONSENT_PURPOSES })
  @Field(() => String)
  purpose!: ConsentPurpose;

  @ApiProperty()
  @Field()
  granted!: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'null: never answered' })
  @Field(() => String, { nullable: true })
  policyVersion!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  @Field(() => Date, { nullable: true })
  updatedAt!: Date | null;
}
