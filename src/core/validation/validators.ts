import { applyDecorators } from '@nestjs/common';
import { Field } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsEmail,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';

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

/** An opaque token from a mailed link or a sign-in (refresh, verification, reset, email change). */
export const OpaqueToken = () => applyDecorators(IsString(), MinLength(1), MaxLength(200));

/** A password as typed: never empty, at most 128 characters; its strength is the service's rule. */
export const PasswordString = () => applyDecorators(IsString(), MinLength(1), MaxLength(128));

/** An optional free-text field of an input class, bounded, the same on REST and GraphQL. */
export const OptionalText = (maxLength: number) =>
  applyDecorators(
    ApiPropertyOptional({ maxLength }),
    Field(() => String, { nullable: true }),
    IsOptional(),
    IsString(),
    MaxLength(maxLength),
  );
