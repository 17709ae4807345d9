import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { Permissions } from '../../core/auth/permissions.decorator.js';
import { RateLimit } from '../../core/rate-limit/rate-limit.decorator.js';
import { StatsPeriodArgs, StatsTimeseriesInput } from './dto/stats-inputs.js';
import { StatsMetricDto, StatsTimeseriesDto } from './dto/stats-timeseries.dto.js';
import { SystemStatsDto } from './dto/system-stats.dto.js';
import { StatsService } from './stats.service.js';

@ApiTags('stats')
@ApiBearerAuth()
@Controller('stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @Permissions('stats.read')
  @RateLimit('stats')
  @ApiOperation({ summary: 'Totals for the last day, week or month (admin; cached)' })
  @ApiOkResponse({ type: SystemStatsDto })
  systemStats(
    @CurrentUser() actor: AuthUser,
    @Query() args: StatsPeriodArgs,
  ): Promise<SystemStatsDto> {
    return this.stats.systemStats(actor, args);
  }

  @Get('timeseries')
  @Permissions('stats.read')
  @RateLimit('stats')
  @ApiOperation({
    summary: 'One metric as chart-ready series (timestamps + values, every bucket present)',
  })
  @ApiOkResponse({ type: StatsTimeseriesDto })
  statsTimeseries(
    @CurrentUser() actor: AuthUser,
    @Query() input: StatsTimeseriesInput,
  ): Promise<StatsTimeseriesDto> {
    return this.stats.timeseries(actor, input);
  }

  @Get('metrics')
  @Permissions('stats.read')
  @RateLimit('stats')
  @ApiOperation({ summary: 'The metrics /stats/timeseries serves, with their series' })
  @ApiOkResponse({ type: [StatsMetricDto] })
  statsMetrics(@CurrentUser() actor: AuthUser): StatsMetricDto[] {
    return this.stats.metrics(actor);
  }
}
