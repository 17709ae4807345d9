import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ConfigType } from '@nestjs/config';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { appConfig } from '../../config/app.config.js';
import { httpConfig } from '../../config/http.config.js';
import { buildSecurityHeaders, type HeaderMap } from '../../core/http/security-headers.js';
import { type AdminAsset, loadAdminAssets } from './admin-ui-assets.js';

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
    for (const [url, asset] of loadAdminAssets()) {
      fastify.get(url, (request, reply) => send(request, reply, asset, headers));
    }
    this.logger.log('admin page at /admin');
  }
}

function send(
  request: FastifyRequest,
  reply: FastifyReply,
  asset: AdminAsset,
  headers: HeaderMap,
): FastifyReply {
  reply.headers(headers).header('cache-control', asset.cacheControl).header('etag', asset.etag);
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.type(asset.contentType).send(asset.body);
}
