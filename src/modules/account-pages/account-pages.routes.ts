import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { accountPagesConfig } from '../../config/account-pages.config.js';
import { appConfig } from '../../config/app.config.js';
import { serveStatic } from '../../core/http/static-assets.js';
import { ACCOUNT_PAGES, loadAccountAssets } from './account-pages-assets.js';
import { ACCOUNT_PAGES_HEADERS } from './account-pages.headers.js';

const queryOf = (url: string): string => {
  const at = url.indexOf('?');
  return at === -1 ? '' : url.slice(at);
};

/**
 * The pages behind the mailed links, as plain Fastify routes outside the /api/v1 prefix: the
 * files are public, the API calls they make carry the token. The paths the mails link to
 * (`/verify-email?token=…`, …) redirect to `/account/…`, or to APP_FRONTEND_URL (same path and
 * query) when a front-end of one's own is configured.
 */
@Injectable()
export class AccountPagesRoutes implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
    @Inject(accountPagesConfig.KEY)
    private readonly config: ConfigType<typeof accountPagesConfig>,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    serveStatic(fastify, loadAccountAssets(this.app.name), ACCOUNT_PAGES_HEADERS);
    const frontend = this.config.frontendUrl;
    for (const page of ACCOUNT_PAGES) {
      const target = frontend ? `${frontend}${page.legacyPath}` : `/account/${page.slug}`;
      fastify.get(page.legacyPath, (request: FastifyRequest, reply: FastifyReply) =>
        reply.headers(ACCOUNT_PAGES_HEADERS).redirect(`${target}${queryOf(request.url)}`, 302),
      );
    }
  }
}
