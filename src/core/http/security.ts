import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ConfigType } from '@nestjs/config';
import type { httpConfig } from '../../config/http.config.js';

const EXPOSED_HEADERS = [
  'X-Request-ID',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Retry-After',
  'Location',
  'ETag',
];

/** Security headers and the CORS allow-list. */
export async function applySecurity(
  app: NestFastifyApplication,
  http: ConfigType<typeof httpConfig>,
  options: { graphiql: boolean },
): Promise<void> {
  // GraphiQL (development only by default) loads its bundle from unpkg.
  const cdn = options.graphiql ? ['https://unpkg.com'] : [];
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...cdn],
        styleSrc: ["'self'", "'unsafe-inline'", ...cdn],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'", ...cdn],
        workerSrc: ["'self'", 'blob:'],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    hsts: http.hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
  const allowed = new Set(http.corsOrigins);
  app.enableCors({
    origin: allowed.has('*')
      ? true
      : allowed.size === 0
        ? false
        : (origin, cb) => cb(null, !origin || allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-ID', 'Idempotency-Key'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}
