import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ConfigType } from '@nestjs/config';
import type { FastifyInstance } from 'fastify';
import { appConfig } from '../../config/app.config.js';
import { httpConfig } from '../../config/http.config.js';
import { buildSecurityHeaders } from '../../core/http/security-headers.js';
import { serveStatic } from '../../core/http/static-assets.js';
import { loadAdminAssets } from './admin-ui-assets.js';

/**
 * Serves the admin page's files as plain Fastify routes at /admin (outside the /api/v1 prefix
 * and the Nest guards: the files are public, the data behind them is not). Not registered at all
 * when ADMIN_UI_ENABLED is off, so /admin then answers the app's ordinary 404.
 */
@Injectable()
export class AdminUiRoutes implements OnModuleInit {
  private readonly logger = new Logger(AdminUiRoutes.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
    @Inject(httpConfig.KEY) private readonly http: ConfigType<typeof httpConfig>,
  ) {}

  onModuleInit(): void {
    if (!this.app.adminUiEnabled) return;
    const headers = buildSecurityHeaders({ hsts: this.http.hsts }).admin;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    serveStatic(fastify, loadAdminAssets(), headers);
    this.logger.log('admin page at /admin');
  }
}
