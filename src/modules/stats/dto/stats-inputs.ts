import { ArgsType, Field, InputType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';
import { STATS_METRIC_NAMES } from '../stats-metrics.js';

export const STATS_PERIODS = ['day', 'week', 'month'] as const;
export type StatsPeriod = (typeof STATS_PERIODS)[number];
export const STATS_INTERVALS = ['hour', 'day'] as const;

/** `?period=` of GET /stats and the `period` argument of systemStats: one class. */
@ArgsType()
export class StatsPeriodArgs {
  @ApiPropertyOptional({ enum: STATS_PERIODS, default: 'day' })
  @Field(() => String, {
    nullable: true,
    defaultValue: 'day',
    description: 'day: the last 24 hours (hourly buckets); week / month: the last 7 / 30 days',
  })
  @IsOptional()
  @IsIn(STATS_PERIODS)
  period?: StatsPeriod;
}

/** The query of GET /stats/timeseries and the input of statsTimeseries: one class. */
@InputType('StatsTimeseriesInput')
export class StatsTimeseriesInput {
  @ApiProperty({ enum: STATS_METRIC_NAMES, description: 'One of GET /stats/metrics' })
  @Field({ description: 'One of statsMetrics' })
  @IsString()
  @MaxLength(64)
  @IsIn(STATS_METRIC_NAMES)
  metric!: string;

  @ApiProperty({ format: 'date-time', description: 'ISO 8601; the bucket holding it is the first' })
  @Field({ description: 'ISO 8601; the bucket holding it is the first' })
  @IsString()
  @MaxLength(40)
  @IsISO8601({ strict: true })
  from!: string;

  @ApiProperty({ format: 'date-time', description: 'ISO 8601, after from; exclusive' })
  @Field({ description: 'ISO 8601, after from; exclusive' })
  @IsString()
  @MaxLength(40)
  @IsISO8601({ strict: true })
  to!: string;

  @ApiPropertyOptional({
    enum: STATS_INTERVALS,
    default: 'day',
    description: 'hour: within the last 48 hours only; at most 400 buckets',
  })
  @Field(() => String, {
    nullable: true,
    defaultValue: 'day',
    description: 'hour (within the last 48 hours) or day; at most 400 buckets',
  })
  @IsOptional()
  @IsIn(STATS_INTERVALS)
  interval?: 'hour' | 'day';
}
