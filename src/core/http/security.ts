import type { ConfigType } from '@nestjs/config';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { httpConfig } from '../../config/http.config.js';

const EXPOSED_HEADERS = [
  'X-Request-ID',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Retry-After',
  'Location',
  'Idempotent-Replayed',
  'ETag',
];

/** CORS from the allow-list (security headers are set by the HTTP hooks). */
export function applyCors(app: NestFastifyApplication, http: ConfigType<typeof httpConfig>): void {
  const allowed = new Set(http.corsOrigins);
  // No allow-list, no CORS headers: browsers then refuse cross-origin calls, as they should.
  if (allowed.size === 0) return;
  app.enableCors({
    origin: allowed.has('*') ? true : (origin, cb) => cb(null, !origin || allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-ID', 'Idempotency-Key'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}
