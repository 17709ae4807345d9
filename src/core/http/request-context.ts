import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line, audit entry and job started by a request can learn about it. */
export interface RequestContext {
  requestId: string;
  userId?: string;
  ip?: string;
  userAgent?: string;
  /** The API key the request authenticated with (set by the AuthGuard). */
  apiKeyId?: string;
  /** Set while a background job runs. */
  jobId?: string;
  /** Queries run so far; feeds the N+1 warning. */
  queryCount: number;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const requestContext = {
  run<T>(context: RequestContext, fn: () => T): T {
    return storage.run(context, fn);
  },
  get(): RequestContext | undefined {
    return storage.getStore();
  },
};
