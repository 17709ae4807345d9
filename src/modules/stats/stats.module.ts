import { Module } from '@nestjs/common';

/** Operator numbers: totals and time series, admin-only. */
@Module({})
export class StatsModule {}
