/** What travels with every job: its payload and the context of the request that started it. */
export interface JobMeta {
  requestId?: string;
  userId?: string;
}

export interface JobEnvelope<T = unknown> {
  payload: T;
  meta: JobMeta;
}
