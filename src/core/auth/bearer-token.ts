import type { FastifyRequest } from 'fastify';

const BEARER = /^bearer +/i;

/** The token of an `Authorization: Bearer …` header (RFC 9110 §11.1: the scheme in any case). */
export function bearerToken(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const header = request.headers.authorization;
  const scheme = header ? BEARER.exec(header) : null;
  if (!header || !scheme) return undefined;
  return header.slice(scheme[0].length).trim() || undefined;
}
