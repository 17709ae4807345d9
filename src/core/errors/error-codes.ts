/** The one table of error codes: HTTP status, GraphQL extensions.code and the problem title. */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, graphqlCode: 'BAD_USER_INPUT', title: 'Validation failed' },
  UNAUTHENTICATED: { status: 401, graphqlCode: 'UNAUTHENTICATED', title: 'Unauthenticated' },
  FORBIDDEN: { status: 403, graphqlCode: 'FORBIDDEN', title: 'Forbidden' },
  NOT_FOUND: { status: 404, graphqlCode: 'NOT_FOUND', title: 'Not found' },
  METHOD_NOT_ALLOWED: {
    status: 405,
    graphqlCode: 'METHOD_NOT_ALLOWED',
    title: 'Method not allowed',
  },
  CONFLICT: { status: 409, graphqlCode: 'CONFLICT', title: 'Conflict' },
  PAYLOAD_TOO_LARGE: { status: 413, graphqlCode: 'PAYLOAD_TOO_LARGE', title: 'Payload too large' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    graphqlCode: 'UNSUPPORTED_MEDIA_TYPE',
    title: 'Unsupported media type',
  },
  QUOTA_EXCEEDED: { status: 413, graphqlCode: 'QUOTA_EXCEEDED', title: 'Storage quota exceeded' },
  RANGE_NOT_SATISFIABLE: {
    status: 416,
    graphqlCode: 'RANGE_NOT_SATISFIABLE',
    title: 'Range not satisfiable',
  },
  QUERY_TOO_COMPLEX: { status: 400, graphqlCode: 'QUERY_TOO_COMPLEX', title: 'Query too complex' },
  RATE_LIMIT_EXCEEDED: {
    status: 429,
    graphqlCode: 'RATE_LIMIT_EXCEEDED',
    title: 'Too many requests',
  },
  SERVICE_UNAVAILABLE: {
    status: 503,
    graphqlCode: 'SERVICE_UNAVAILABLE',
    title: 'Service unavailable',
  },
  INTERNAL: { status: 500, graphqlCode: 'INTERNAL', title: 'Internal error' },
  OTP_REQUIRED: { status: 401, graphqlCode: 'OTP_REQUIRED', title: 'One-time code required' },
  TWO_FACTOR_REQUIRED: {
    status: 403,
    graphqlCode: 'TWO_FACTOR_REQUIRED',
    title: 'Two-factor authentication required',
  },
  EMAIL_NOT_VERIFIED: {
    status: 403,
    graphqlCode: 'EMAIL_NOT_VERIFIED',
    title: 'Email address not verified',
  },
  /** The OpenID callback's `state` is unknown, expired, used, or not this browser's. */
  OIDC_STATE_INVALID: {
    status: 400,
    graphqlCode: 'OIDC_STATE_INVALID',
    title: 'Sign-in state invalid',
  },
  /** The provider refused, or its answer failed a check (code, nonce, ID token, e-mail). */
  OIDC_LOGIN_FAILED: { status: 400, graphqlCode: 'OIDC_LOGIN_FAILED', title: 'Sign-in failed' },
  /** An account has this e-mail and it may not be linked automatically: sign in, then link. */
  OIDC_ACCOUNT_EXISTS: {
    status: 409,
    graphqlCode: 'OIDC_ACCOUNT_EXISTS',
    title: 'Account exists',
  },
  /** The one-time code (exchange or link) is unknown, expired or used. */
  OIDC_CODE_INVALID: { status: 400, graphqlCode: 'OIDC_CODE_INVALID', title: 'Code invalid' },
  /** The provider account is linked to another local account. */
  IDENTITY_ALREADY_LINKED: {
    status: 409,
    graphqlCode: 'IDENTITY_ALREADY_LINKED',
    title: 'Identity already linked',
  },
  /** Unlinking would leave the account with no password and no identity. */
  LAST_SIGN_IN_METHOD: {
    status: 409,
    graphqlCode: 'LAST_SIGN_IN_METHOD',
    title: 'Last sign-in method',
  },
  /** An account deleted within its restore window: POST /auth/restore brings it back. */
  ACCOUNT_DELETED: { status: 403, graphqlCode: 'ACCOUNT_DELETED', title: 'Account deleted' },
  /** Terminal: the export job failed for good; poll no more, start a new export. */
  EXPORT_FAILED: { status: 410, graphqlCode: 'EXPORT_FAILED', title: 'Export failed' },
  WEBHOOK_SIGNATURE_INVALID: {
    status: 400,
    graphqlCode: 'WEBHOOK_SIGNATURE_INVALID',
    title: 'Webhook signature invalid',
  },
  /** The Idempotency-Key was already used with another request body. */
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    graphqlCode: 'IDEMPOTENCY_KEY_REUSED',
    title: 'Idempotency key reused',
  },
  /** The first request with this Idempotency-Key is still running; retry after Retry-After. */
  IDEMPOTENCY_IN_PROGRESS: {
    status: 409,
    graphqlCode: 'IDEMPOTENCY_IN_PROGRESS',
    title: 'Idempotent request in progress',
  },
  /** REGISTRATION_MODE=closed: accounts are created by an admin (or the first-admin bootstrap). */
  REGISTRATION_CLOSED: {
    status: 403,
    graphqlCode: 'REGISTRATION_CLOSED',
    title: 'Registration closed',
  },
  /** REGISTRATION_MODE=invite and no `inviteToken` was sent. */
  INVITE_REQUIRED: { status: 400, graphqlCode: 'INVITE_REQUIRED', title: 'Invite required' },
} as const satisfies Record<string, { status: number; graphqlCode: string; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldError {
  field: string;
  message: string;
}
