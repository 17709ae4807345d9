import { Field, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';

/** A new invite; `token` appears only in this answer (the server keeps its SHA-256). */
@ObjectType('InviteCreated')
export class InviteCreatedDto {
  @ApiProperty({ format: 'uuid' })
  @Field()
  id!: string;

  @ApiProperty({ description: 'Send it to the invitee; registration takes it as inviteToken' })
  @Field()
  token!: string;

  @ApiProperty({ type: String, nullable: true })
  @Field(() => String, { nullable: true })
  email!: string | null;

  @ApiProperty({ type: String, nullable: true })
  @Field(() => String, { nullable: true })
  role!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  @Field()
  expiresAt!: Date;
}
