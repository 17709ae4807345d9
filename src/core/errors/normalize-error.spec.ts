import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  InternalServerErrorException,
  NotFoundException,
  PayloadTooLargeException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { AppException } from './app.exception.js';
import { ERROR_CODES } from './error-codes.js';
import { normalizeError, toProblem } from './normalize-error.js';

const fastifyError = (code: string, message = 'fastify said no') =>
  Object.assign(new Error(message), { code, statusCode: 400 });

describe('normalizeError', () => {
  describe('AppException', () => {
    it('keeps code, status, message, field errors and headers', () => {
      const errors = [{ field: 'name', message: 'name is too long' }];
      const error = new AppException('VALIDATION_FAILED', 'The request is not valid', {
        errors,
        headers: { 'retry-after': '3' },
      });
      expect(normalizeError(error)).toEqual({
        code: 'VALIDATION_FAILED',
        status: 400,
        detail: 'The request is not valid',
        errors,
        headers: { 'retry-after': '3' },
        unexpected: false,
      });
    });

    it('uses the code title when no message is given', () => {
      const normalized = normalizeError(new AppException('CONFLICT'));
      expect(normalized).toMatchObject({ code: 'CONFLICT', status: 409, detail: 'Conflict' });
      expect(normalized.errors).toBeUndefined();
    });

    it.each(Object.entries(ERROR_CODES))('maps %s to its status', (code, { status }) => {
      expect(normalizeError(new AppException(code as keyof typeof ERROR_CODES))).toMatchObject({
        code,
        status,
        unexpected: false,
      });
    });
  });

  describe('HttpException', () => {
    it.each([
      [new BadRequestException('bad thing'), 400, 'VALIDATION_FAILED', 'bad thing'],
      [new UnauthorizedException('who are you'), 401, 'UNAUTHENTICATED', 'who are you'],
      [new ForbiddenException(), 403, 'FORBIDDEN', 'Forbidden'],
      [new NotFoundException('Cannot GET /nope'), 404, 'NOT_FOUND', 'Cannot GET /nope'],
      [
        new HttpException({ message: 'Method not allowed' }, 405),
        405,
        'NOT_FOUND',
        'Method not allowed',
      ],
      [new HttpException({ message: 'Conflict!' }, 409), 409, 'CONFLICT', 'Conflict!'],
      [new PayloadTooLargeException(), 413, 'PAYLOAD_TOO_LARGE', 'Payload Too Large'],
      [new HttpException({ message: 'nope' }, 415), 415, 'UNSUPPORTED_MEDIA_TYPE', 'nope'],
      [new HttpException({ message: 'slow down' }, 429), 429, 'RATE_LIMIT_EXCEEDED', 'slow down'],
      [new HttpException({ message: 'teapot' }, 418), 418, 'VALIDATION_FAILED', 'teapot'],
    ])('maps %s to %i %s', (exception, status, code, detail) => {
      expect(normalizeError(exception)).toEqual({ code, status, detail, unexpected: false });
    });

    it('uses the title when the message is not a string (class-validator arrays)', () => {
      const exception = new BadRequestException(['name must be a string', 'count is bad']);
      expect(normalizeError(exception)).toMatchObject({
        code: 'VALIDATION_FAILED',
        detail: 'Validation failed',
      });
    });

    it('uses the title when the body is a string or has no message', () => {
      expect(normalizeError(new HttpException('plain body', 409))).toEqual({
        code: 'CONFLICT',
        status: 409,
        detail: 'Conflict',
        unexpected: false,
      });
      const exception = new HttpException({ error: 'no message here' }, 404);
      expect(normalizeError(exception).detail).toBe('Not found');
    });

    it('hides the message of 5xx exceptions and marks them unexpected', () => {
      const exception = new InternalServerErrorException('pg: relation "secret_table" missing');
      expect(normalizeError(exception)).toEqual({
        code: 'INTERNAL',
        status: 500,
        detail: 'Internal error',
        unexpected: true,
      });
      expect(normalizeError(new HttpException('upstream at /srv/x', 502))).toEqual({
        code: 'INTERNAL',
        status: 502,
        detail: 'Internal error',
        unexpected: true,
      });
    });

    it('keeps 503 as SERVICE_UNAVAILABLE with its title', () => {
      expect(normalizeError(new ServiceUnavailableException('db down at 10.0.0.5'))).toEqual({
        code: 'SERVICE_UNAVAILABLE',
        status: 503,
        detail: 'Service unavailable',
        unexpected: true,
      });
    });
  });

  describe('Fastify errors', () => {
    it.each([
      [
        'FST_ERR_CTP_BODY_TOO_LARGE',
        'PAYLOAD_TOO_LARGE',
        413,
        'The request body is larger than allowed',
      ],
      [
        'FST_ERR_CTP_INVALID_MEDIA_TYPE',
        'UNSUPPORTED_MEDIA_TYPE',
        415,
        'This content type is not accepted here',
      ],
      [
        'FST_ERR_CTP_INVALID_CONTENT_LENGTH',
        'VALIDATION_FAILED',
        400,
        'Content-Length does not match the body',
      ],
      [
        'FST_ERR_CTP_EMPTY_JSON_BODY',
        'VALIDATION_FAILED',
        400,
        'The request body is not valid JSON',
      ],
      [
        'FST_ERR_CTP_INVALID_JSON_BODY',
        'VALIDATION_FAILED',
        400,
        'The request body is not valid JSON',
      ],
    ])('maps %s to %s', (fastifyCode, code, status, detail) => {
      expect(normalizeError(fastifyError(fastifyCode, 'Unexpected token } at /srv/x'))).toEqual({
        code,
        status,
        detail,
        unexpected: false,
      });
    });

    it('treats an unknown Fastify code as unexpected', () => {
      expect(normalizeError(fastifyError('FST_ERR_SOMETHING_ELSE'))).toMatchObject({
        code: 'INTERNAL',
        status: 500,
        unexpected: true,
      });
    });
  });

  describe('the database cannot take the request now', () => {
    const pgError = (code: string) =>
      Object.assign(new Error('sorry, too many clients already'), { code, severity: 'FATAL' });
    it.each([
      ['too many clients (53300)', pgError('53300')],
      ['the server starting up (57P03)', pgError('57P03')],
      ['an admin shutdown (57P01)', pgError('57P01')],
      ['a connection failure (08006)', pgError('08006')],
      [
        'wrapped by TypeORM',
        Object.assign(new Error('query failed'), { driverError: pgError('53300') }),
      ],
      ['the pool timing out', new Error('timeout exceeded when trying to connect')],
      ['a terminated connection', new Error('Connection terminated unexpectedly')],
    ])('turns %s into 503 SERVICE_UNAVAILABLE with Retry-After, logged', (_label, exception) => {
      expect(normalizeError(exception)).toEqual({
        code: 'SERVICE_UNAVAILABLE',
        status: 503,
        detail: 'The service is temporarily unable to handle the request; retry shortly',
        headers: { 'retry-after': '1' },
        unexpected: true,
      });
    });

    it('keeps other SQL errors a masked 500', () => {
      const unique = Object.assign(new Error('duplicate key value violates "users_email_key"'), {
        code: '23505',
      });
      expect(normalizeError(unique)).toMatchObject({ code: 'INTERNAL', status: 500 });
    });
  });

  describe('anything else', () => {
    it.each([
      ['an Error', new Error('relation "secret_table" does not exist at /srv/app/secret.ts:42')],
      ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'x')")],
      ['a string', 'password=hunter2'],
      ['null', null],
      ['undefined', undefined],
      ['a number', 42],
      ['an object with a non-string code', { code: 413 }],
      // Object.prototype members are not Fastify codes.
      ['an error with code "toString"', Object.assign(new Error('x'), { code: 'toString' })],
      ['an error with code "constructor"', Object.assign(new Error('x'), { code: 'constructor' })],
    ])('turns %s into a masked 500 INTERNAL', (_label, exception) => {
      expect(normalizeError(exception)).toEqual({
        code: 'INTERNAL',
        status: 500,
        detail: 'An unexpected error occurred',
        unexpected: true,
      });
    });
  });
});

describe('toProblem', () => {
  it('builds an RFC 9457 body with code and request id', () => {
    const problem = toProblem(normalizeError(new NotFoundException('No job abc')), 'req-1');
    expect(problem).toEqual({
      type: 'about:blank',
      title: 'Not found',
      status: 404,
      detail: 'No job abc',
      code: 'NOT_FOUND',
      requestId: 'req-1',
    });
  });

  it('includes field errors only when there are some', () => {
    const errors = [{ field: 'name', message: 'too long' }];
    const withErrors = toProblem(
      normalizeError(new AppException('VALIDATION_FAILED', 'The request is not valid', { errors })),
      'req-2',
    );
    expect(withErrors).toMatchObject({ code: 'VALIDATION_FAILED', status: 400, errors });
    expect(toProblem(normalizeError(new Error('x')), 'req-3')).not.toHaveProperty('errors');
  });

  it('never carries headers or internal flags', () => {
    const normalized = normalizeError(
      new AppException('RATE_LIMIT_EXCEEDED', undefined, { headers: { 'retry-after': '1' } }),
    );
    const problem = toProblem(normalized, 'req-4');
    expect(Object.keys(problem).sort()).toEqual(
      ['code', 'detail', 'requestId', 'status', 'title', 'type'].sort(),
    );
  });
});
