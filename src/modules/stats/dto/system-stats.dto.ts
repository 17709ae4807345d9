import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';

@ObjectType('StatsUsers')
export class StatsUsersDto {
  @ApiProperty() @Field(() => Int) total!: number;
  @ApiProperty({ description: 'Registered in the period' }) @Field(() => Int) new!: number;
  @ApiProperty({ description: 'Distinct users active in the period (dau, wau or mau)' })
  @Field(() => Int)
  active!: number;
  @ApiProperty() @Field(() => Int) banned!: number;
  @ApiProperty() @Field(() => Int) unverified!: number;
  @ApiProperty() @Field(() => Int) dau!: number;
  @ApiProperty() @Field(() => Int) wau!: number;
  @ApiProperty() @Field(() => Int) mau!: number;
}

@ObjectType('StatsSignIns')
export class StatsSignInsDto {
  @ApiProperty() @Field(() => Int) succeeded!: number;
  @ApiProperty() @Field(() => Int) failed!: number;
}

@ObjectType('StatsTopUser')
export class StatsTopUserDto {
  @ApiProperty({ format: 'uuid' }) @Field() userId!: string;
  @ApiProperty() @Field(() => Float) bytes!: number;
  @ApiProperty() @Field(() => Int) files!: number;
}

@ObjectType('StatsFiles')
export class StatsFilesDto {
  @ApiProperty({ description: 'Uploaded in the period' }) @Field(() => Int) uploads!: number;
  @ApiProperty({ description: 'Bytes of all live files' })
  @Field(() => Float)
  storageBytes!: number;
  @ApiProperty({ type: [StatsTopUserDto] })
  @Field(() => [StatsTopUserDto])
  topUsers!: StatsTopUserDto[];
}

@ObjectType('StatsChannelCount')
export class StatsChannelCountDto {
  @ApiProperty({ enum: ['in_app', 'email', 'realtime'] }) @Field() channel!: string;
  @ApiProperty() @Field(() => Int) count!: number;
}

@ObjectType('StatsNotifications')
export class StatsNotificationsDto {
  @ApiProperty({ type: [StatsChannelCountDto] })
  @Field(() => [StatsChannelCountDto])
  sent!: StatsChannelCountDto[];
  @ApiProperty() @Field(() => Int) read!: number;
}

@ObjectType('StatsQueue')
export class StatsQueueDto {
  @ApiProperty() @Field() name!: string;
  @ApiProperty({ description: 'Now' }) @Field(() => Int) waiting!: number;
  @ApiProperty({ description: 'Now' }) @Field(() => Int) active!: number;
  @ApiProperty({ description: 'Now' }) @Field(() => Int) delayed!: number;
  @ApiProperty({ description: 'Finished in the period' }) @Field(() => Int) completed!: number;
  @ApiProperty({ description: 'Failed for good in the period' }) @Field(() => Int) failed!: number;
}

@ObjectType('StatsRouteGroup')
export class StatsRouteGroupDto {
  @ApiProperty({ description: 'First path segment after /api/v1, graphql or other' })
  @Field()
  group!: string;
  @ApiProperty() @Field(() => Int) requests!: number;
  @ApiProperty() @Field(() => Int) errors4xx!: number;
  @ApiProperty() @Field(() => Int) errors5xx!: number;
  @ApiProperty() @Field(() => Float) p95Ms!: number;
}

@ObjectType('StatsApi')
export class StatsApiDto {
  @ApiProperty() @Field(() => Int) requests!: number;
  @ApiProperty({ description: 'Share of requests answered 5xx (0–1)' })
  @Field(() => Float)
  errorRate5xx!: number;
  @ApiProperty({ description: 'Share of requests answered 4xx (0–1)' })
  @Field(() => Float)
  errorRate4xx!: number;
  @ApiProperty() @Field(() => Float) p95Ms!: number;
  @ApiProperty({ type: [StatsRouteGroupDto] })
  @Field(() => [StatsRouteGroupDto])
  routeGroups!: StatsRouteGroupDto[];
}

@ObjectType('SystemStats')
export class SystemStatsDto {
  @ApiProperty({ enum: ['day', 'week', 'month'] }) @Field() period!: string;
  @ApiProperty({ format: 'date-time' }) @Field() from!: string;
  @ApiProperty({ format: 'date-time' }) @Field() to!: string;
  @ApiProperty({ format: 'date-time' }) @Field() generatedAt!: string;
  @ApiProperty() @Field(() => StatsUsersDto) users!: StatsUsersDto;
  @ApiProperty() @Field(() => StatsSignInsDto) signIns!: StatsSignInsDto;
  @ApiProperty() @Field(() => Int) registrations!: number;
  @ApiProperty() @Field(() => StatsFilesDto) files!: StatsFilesDto;
  @ApiProperty() @Field(() => StatsNotificationsDto) notifications!: StatsNotificationsDto;
  @ApiProperty({ type: [StatsQueueDto] }) @Field(() => [StatsQueueDto]) queues!: StatsQueueDto[];
  @ApiProperty() @Field(() => StatsApiDto) api!: StatsApiDto;
}
