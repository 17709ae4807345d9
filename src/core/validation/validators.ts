import {
  applyDecorators,
  type ArgumentMetadata,
  Injectable,
  type PipeTransform,
} from '@nestjs/common';
import { Transform, Type } from 'class-transformer';
import {
  IsEmail,
  IsObject,
  IsOptional,
  IsString,
  isUUID,
  IsUUID,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { AppException } from '../errors/app.exception.js';

/** A UUID path or body value. */
export const ValidateUUID = () => applyDecorators(IsUUID('all'));

/** A bounded string; every string input has a size limit. */
export const BoundedString = (max: number) => applyDecorators(IsString(), MaxLength(max));

/** An email, trimmed and lower-cased before validation. */
export const NormalizedEmail = () =>
  applyDecorators(
    Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value)),
    IsEmail(),
    MaxLength(254),
  );

export const Optional = () => applyDecorators(IsOptional());

/**
 * A nested input object of class `type()`, validated field by field. `@ValidateNested` alone
 * lets an array through (its elements are validated instead, an empty one is accepted), so
 * `@IsObject` refuses arrays and primitives with an error on the field itself.
 */
export const NestedObject = (type: () => new () => object) =>
  applyDecorators(IsObject(), ValidateNested(), Type(type));

/**
 * A UUID route parameter or GraphQL argument, checked the same way on both transports: anything
 * else is 400 VALIDATION_FAILED naming the parameter, before a service or PostgreSQL sees it.
 */
@Injectable()
export class UuidPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value === 'string' && isUUID(value, 'all')) return value;
    const field = metadata.data ?? 'id';
    throw new AppException('VALIDATION_FAILED', 'The request is not valid', {
      errors: [{ field, message: `${field} must be a UUID` }],
    });
  }
}
