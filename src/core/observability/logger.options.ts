import type { Params } from 'nestjs-pino';
import { requestContext } from '../http/request-context.js';
import { redactDeep } from './redact.js';

export interface LoggerSettings {
  service: string;
  env: string;
  level: string;
  pretty: boolean;
}

/** The context fields of the current request or job, added to every log line. */
function contextFields(): Record<string, string> {
  const ctx = requestContext.get();
  if (!ctx) return {};
  const fields: Record<string, string> = { request_id: ctx.requestId };
  if (ctx.userId) fields.user_id = ctx.userId;
  if (ctx.jobId) fields.job_id = ctx.jobId;
  return fields;
}

function errorFields(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  return { type: err.name, message: err.message, stack: err.stack };
}

/**
 * nestjs-pino settings: JSON lines with timestamp, level, msg, service, env and the request
 * context; secrets redacted at any depth. Access lines are written by the HTTP hooks (they know
 * the route template), so pino-http's own request logging is off.
 */
export function loggerOptions(settings: LoggerSettings): Params {
  return {
    forRoutes: [],
    pinoHttp: {
      level: settings.level,
      autoLogging: false,
      base: { service: settings.service, env: settings.env },
      messageKey: 'msg',
      errorKey: 'error',
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      mixin: contextFields,
      formatters: {
        level: (label: string) => ({ level: label }),
        log: (object: Record<string, unknown>) => {
          const redacted = redactDeep(object) as Record<string, unknown>;
          const err = redacted.err ?? redacted.error;
          if (err !== undefined) {
            delete redacted.err;
            redacted.error = errorFields(err);
          }
          return redacted;
        },
      },
      transport: settings.pretty
        ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } }
        : undefined,
    },
  };
}
