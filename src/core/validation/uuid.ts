import {
  applyDecorators,
  type ArgumentMetadata,
  Injectable,
  Param,
  type PipeTransform,
} from '@nestjs/common';
import { Args, Field, ID } from '@nestjs/graphql';
import { ApiParam, ApiProperty } from '@nestjs/swagger';
import { IsOptional, isUUID, IsUUID } from 'class-validator';
import { AppException } from '../errors/app.exception.js';

/** The one UUID check of the API: what PostgreSQL's uuid type reads in its canonical spelling. */
export const isUuid = (value: unknown): value is string =>
  typeof value === 'string' && isUUID(value, 'all');

const mustBeUuid = (field: string) => `${field} must be a UUID`;

/** Checks a route parameter or GraphQL argument; anything else is VALIDATION_FAILED naming it. */
@Injectable()
export class UuidPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (isUuid(value)) return value;
    const field = metadata.data ?? 'id';
    throw new AppException('VALIDATION_FAILED', 'The request is not valid', {
      errors: [{ field, message: mustBeUuid(field) }],
    });
  }
}

/** REST: a UUID path parameter (format uuid in OpenAPI); a malformed one is 400 naming it. */
export function UuidParam(name: string): ParameterDecorator {
  const param = Param(name, UuidPipe);
  const doc = ApiParam({ name, type: String, format: 'uuid' });
  return (target, key, index) => {
    param(target, key, index);
    const descriptor = key === undefined ? undefined : Object.getOwnPropertyDescriptor(target, key);
    if (key !== undefined && descriptor) doc(target, key, descriptor);
  };
}

/** GraphQL: a UUID argument (ID in the schema); a malformed one is BAD_USER_INPUT naming it. */
export const UuidArg = (name: string, description?: string): ParameterDecorator =>
  Args(name, { type: () => ID, ...(description ? { description } : {}) }, UuidPipe);

export interface UuidFieldOptions {
  nullable?: boolean;
  /** A list of UUIDs, each checked. */
  each?: boolean;
  description?: string;
}

/**
 * A UUID field of an input or args class, the same on both transports: ID in GraphQL, format uuid
 * in OpenAPI, and a malformed value is VALIDATION_FAILED / BAD_USER_INPUT naming the field.
 */
export function UuidField(options: UuidFieldOptions = {}): PropertyDecorator {
  const { nullable = false, each = false, description } = options;
  return applyDecorators(
    Field(() => (each ? [ID] : ID), { nullable, ...(description ? { description } : {}) }),
    ApiProperty({
      type: each ? [String] : String,
      format: 'uuid',
      required: !nullable,
      ...(description ? { description } : {}),
    }),
    ...(nullable ? [IsOptional()] : []),
    IsUUID('all', {
      each,
      message: ({ property }) =>
        each ? `each value in ${property} must be a UUID` : mustBeUuid(property),
    }),
  );
}
