import { Field, GraphQLISODateTime, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { NotificationStreamArgs } from '../dto/notifications.inputs.js';

@ObjectType('NotificationStreamTicket')
export class StreamTicketDto {
  @ApiProperty({ description: 'Pass as GET /notifications/stream?ticket=; single use' })
  @Field()
  ticket!: string;
  @ApiProperty() @Field(() => GraphQLISODateTime) expiresAt!: Date;
}

/** GET /notifications/stream?type=&ticket= */
export class StreamQuery extends NotificationStreamArgs {
  @ApiPropertyOptional({
    description: 'A ticket from POST /notifications/stream/tickets, instead of the header',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  ticket?: string;
}
