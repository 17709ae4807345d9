import { ERROR_CODES, type ErrorCode, type FieldError } from './error-codes.js';

/** The only exception services throw; the filter maps `code` to HTTP and GraphQL. */
export class AppException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_CODES[code].title,
    readonly details: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'AppException';
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}
