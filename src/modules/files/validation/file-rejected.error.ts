export type RejectionCode = 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'VALIDATION_FAILED';

/** Stable machine-readable cause, safe to use as a metrics label. */
export type RejectionReasonCode =
  | 'too_large'
  | 'empty'
  | 'unknown_type'
  | 'type_not_allowed'
  | 'type_mismatch'
  | 'invalid_text'
  | 'executable'
  | 'script'
  | 'markup'
  | 'svg'
  | 'polyglot'
  | 'pdf_active_content'
  | 'zip_bomb'
  | 'zip_too_many_entries'
  | 'zip_encrypted'
  | 'zip_unsupported'
  | 'zip_malformed';

/** An upload refused because of its content; `reason` is a short sentence safe to show the client. */
export class FileRejectedError extends Error {
  constructor(
    readonly code: RejectionCode,
    readonly reason: string,
    readonly reasonCode: RejectionReasonCode = 'unknown_type',
  ) {
    super(reason);
    this.name = 'FileRejectedError';
  }
}

export const unsupported = (reason: string, reasonCode: RejectionReasonCode): FileRejectedError =>
  new FileRejectedError('UNSUPPORTED_MEDIA_TYPE', reason, reasonCode);

export const invalid = (reason: string, reasonCode: RejectionReasonCode): FileRejectedError =>
  new FileRejectedError('VALIDATION_FAILED', reason, reasonCode);
