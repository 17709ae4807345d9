import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type HeaderMap = Record<string, string>;

const PERMISSIONS_POLICY =
  'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()';

/**
 * The admin page (/admin, AdminUiModule): its own script and style files only (nothing inline),
 * API calls to this origin only, no framing, no <base>.
 */
export const ADMIN_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** Runs helmet once against a recording response and keeps the headers it sets. */
function helmetHeaders(options: HelmetOptions): HeaderMap {
  const headers: HeaderMap = {};
  const res = {
    setHeader: (name: string, value: string | number) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, () => undefined);
  return headers;
}

/**
 * Security headers, computed once at start (helmet re-parses its policy on every request when
 * run as a plugin, which showed up in the benchmark profile). JSON responses get a CSP that
 * allows nothing; the HTML pages (/docs, and GraphiQL when enabled) get what they need; the
 * admin page (/admin) a strict policy of its own.
 */
export function buildSecurityHeaders(options: { hsts: boolean }): {
  api: HeaderMap;
  pages: HeaderMap;
  /** The admin page family; each of its files sets its own cache-control. */
  admin: HeaderMap;
} {
  const common: HelmetOptions = {
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: options.hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
  };
  const extra = { 'permissions-policy': PERMISSIONS_POLICY, 'cache-control': 'no-store' };
  const api = helmetHeaders({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
  });
  const pages = helmetHeaders({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        workerSrc: ["'self'", 'blob:'],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
      },
    },
  });
  const admin = { ...api, 'content-security-policy': ADMIN_PAGE_CSP };
  return {
    api: { ...api, ...extra },
    pages: { ...pages, ...extra },
    admin: { ...admin, 'permissions-policy': PERMISSIONS_POLICY },
  };
}

/** The HTML pages served by the app: Swagger UI and GraphiQL. */
export const isPageRequest = (url: string): boolean =>
  url.startsWith('/docs') || url.startsWith('/graphiql');
