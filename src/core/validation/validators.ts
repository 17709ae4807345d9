import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

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
