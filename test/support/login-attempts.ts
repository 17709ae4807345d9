import type { LightMyRequestResponse } from 'fastify';
import { FAST_AUTH } from '../factories/user.factory.js';
import type { TestApp } from './app.js';

/**
 * App env for lockout specs: route limits out of the way (only the login lockouts may answer
 * 429) and the client IP taken from X-Forwarded-For, so one spec can sign in from many IPs.
 */
export const LOCKOUT_ENV = { ...FAST_AUTH, TRUST_PROXY: 'true' } as const;

let ipCounter = 10;
/** Another client IP each call (TEST-NET-2, never routed). */
export const nextIp = (): string => {
  ipCounter += 1;
  return `198.51.${100 + Math.floor(ipCounter / 250)}.${ipCounter % 250}`;
};

/** A REST login from `ip` (needs LOCKOUT_ENV's TRUST_PROXY). */
export const loginFrom = (
  t: TestApp,
  ip: string,
  email: string,
  password: string,
): Promise<LightMyRequestResponse> =>
  t.rest({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
    headers: { 'x-forwarded-for': ip },
  });
