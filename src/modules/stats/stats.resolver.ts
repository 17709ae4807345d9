import { Args, Query, Resolver } from '@nestjs/graphql';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { Permissions } from '../../core/auth/permissions.decorator.js';
import { RateLimit } from '../../core/rate-limit/rate-limit.decorator.js';
import { StatsPeriodArgs, StatsTimeseriesInput } from './dto/stats-inputs.js';
import { StatsMetricDto, StatsTimeseriesDto } from './dto/stats-timeseries.dto.js';
import { SystemStatsDto } from './dto/system-stats.dto.js';
import { StatsService } from './stats.service.js';

/** The GraphQL twin of StatsController: same inputs, same service calls, same DTOs. */
@Resolver()
export class StatsResolver {
  constructor(private readonly stats: StatsService) {}

  @Query(() => SystemStatsDto, { description: 'Admin: totals for the last day, week or month' })
  @Permissions('stats.read')
  @RateLimit('stats')
  systemStats(
    @CurrentUser() actor: AuthUser,
    @Args() args: StatsPeriodArgs,
  ): Promise<SystemStatsDto> {
    return this.stats.systemStats(actor, args);
  }

  @Query(() => StatsTimeseriesDto, { description: 'Admin: one metric as chart-ready series' })
  @Permissions('stats.read')
  @RateLimit('stats')
  statsTimeseries(
    @CurrentUser() actor: AuthUser,
    @Args('input') input: StatsTimeseriesInput,
  ): Promise<StatsTimeseriesDto> {
    return this.stats.timeseries(actor, input);
  }

  @Query(() => [StatsMetricDto], { description: 'Admin: the metrics statsTimeseries serves' })
  @Permissions('stats.read')
  @RateLimit('stats')
  statsMetrics(@CurrentUser() actor: AuthUser): StatsMetricDto[] {
    return this.stats.metrics(actor);
  }
}
