import { ApiProperty } from '@nestjs/swagger';

export class WebhookAcceptedDto {
  @ApiProperty({ description: 'The stored event (the same id when a delivery is replayed)' })
  id!: string;
}
