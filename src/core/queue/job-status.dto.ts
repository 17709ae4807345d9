import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { GraphQLJSON } from '../graphql/json.scalar.js';

export const JOB_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'completed',
  'failed',
  'unknown',
] as const;

@ObjectType('Job', { description: 'A background job and how far it got' })
export class JobStatusDto {
  @ApiProperty({ format: 'uuid' })
  @Field(() => ID)
  id!: string;

  @ApiProperty({ description: 'Queue the job runs on' })
  @Field()
  queue!: string;

  @ApiProperty({ description: 'Job name, e.g. audit-export' })
  @Field()
  type!: string;

  @ApiProperty({ enum: JOB_STATES })
  @Field()
  status!: string;

  @ApiProperty({ description: 'Progress from 0 to 100' })
  @Field(() => Float)
  progress!: number;

  @ApiProperty()
  @Field(() => Int)
  attempts!: number;

  @ApiPropertyOptional({ description: 'What the job returned, once completed' })
  @Field(() => GraphQLJSON, { nullable: true })
  result?: unknown;

  @ApiPropertyOptional({ description: 'Why the last attempt failed' })
  @Field({ nullable: true })
  error?: string;

  @ApiProperty()
  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @ApiPropertyOptional()
  @Field(() => GraphQLISODateTime, { nullable: true })
  finishedAt?: Date;
}
