import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { UserActivityRecorder } from './user-activity.recorder.js';

/**
 * Marks the caller of every authenticated HTTP request (REST and GraphQL) as active today, once
 * the request is answered. A Fastify hook rather than a Nest interceptor: one global interceptor
 * puts every route and resolver through Nest's RxJS interceptor chain (an Observable, a
 * ReplaySubject, a disconnect listener and two async resources per request), which measured
 * a third of the CPU of a `/health` request (docs/performance.md).
 */
@Injectable()
export class UserActivityHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly activity: UserActivityRecorder,
  ) {}

  onModuleInit(): void {
    // Absent in an application context without HTTP (the CLI, PROCESS_ROLE=worker).
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('onResponse', (request, _reply, done) => {
      const userId = request.user?.id;
      if (userId) this.activity.seen(userId);
      done();
    });
  }
}
