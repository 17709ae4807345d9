import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { AppException } from '../errors/app.exception.js';
import type { FieldError } from '../errors/error-codes.js';
import { cacheValidationMetadata } from './validation-metadata-cache.js';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** GraphQL uploads arrive as promises of a file; there is nothing to validate in them. */
class AppValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.metatype === Promise) return Promise.resolve(value);
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

/** Whitelists and forbids unknown fields; failures become VALIDATION_FAILED with field errors. */
export function createValidationPipe(): ValidationPipe {
  cacheValidationMetadata();
  return new AppValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new AppException('VALIDATION_FAILED', 'The request is not valid', {
        errors: flatten(errors),
      }),
  });
}
