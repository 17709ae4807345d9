import { Field, Float, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';

@ObjectType('StatsSeries')
export class StatsSeriesDto {
  @ApiProperty() @Field() name!: string;
  @ApiProperty({ type: [Number], description: 'One value per timestamp' })
  @Field(() => [Float])
  values!: number[];
}

/** Chart-ready: every bucket present (zeros filled), one values array per series. */
@ObjectType('StatsTimeseries')
export class StatsTimeseriesDto {
  @ApiProperty() @Field() metric!: string;
  @ApiProperty({ enum: ['hour', 'day'] }) @Field() interval!: string;
  @ApiProperty({ format: 'date-time' }) @Field() from!: string;
  @ApiProperty({ format: 'date-time' }) @Field() to!: string;
  @ApiProperty({ type: [String], description: 'Bucket starts, ISO 8601 UTC' })
  @Field(() => [String])
  timestamps!: string[];
  @ApiProperty({ type: [StatsSeriesDto] }) @Field(() => [StatsSeriesDto]) series!: StatsSeriesDto[];
}

@ObjectType('StatsMetric')
export class StatsMetricDto {
  @ApiProperty() @Field() name!: string;
  @ApiProperty() @Field() description!: string;
  @ApiProperty({ type: [String] }) @Field(() => [String]) series!: string[];
  @ApiProperty({ type: [String], enum: ['hour', 'day'] })
  @Field(() => [String])
  intervals!: string[];
}
