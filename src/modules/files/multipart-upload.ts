import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppException } from '../../core/errors/app.exception.js';
import type { Download } from './file-downloads.service.js';
import { discard, type UploadSource } from './files.service.js';

/** The `file` part of a multipart/form-data request, as a stream (fields before it included). */
export async function readFilePart(
  request: FastifyRequest,
): Promise<UploadSource & { fields: Record<string, string> }> {
  if (!request.isMultipart()) {
    throw new AppException('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data');
  }
  const part = await firstPart(request);
  if (!part || part.fieldname !== 'file') {
    part?.file.destroy();
    throw new AppException('VALIDATION_FAILED', 'The request is not valid', {
      errors: [{ field: 'file', message: 'a multipart part named "file" is required' }],
    });
  }
  const fields: Record<string, string> = {};
  for (const [name, field] of Object.entries(part.fields)) {
    const value = Array.isArray(field) ? field[0] : field;
    if (value && value.type === 'field' && typeof value.value === 'string')
      fields[name] = value.value;
  }
  return { stream: part.file, filename: part.filename, mimeType: part.mimetype, fields };
}

/**
 * The first file part. Busboy reports a missing or unusable boundary as a plain Error; that is
 * the client's malformed body, not a server fault. Plugin errors keep their own code.
 */
async function firstPart(request: FastifyRequest) {
  try {
    return await request.file();
  } catch (error) {
    if (typeof (error as { code?: unknown }).code === 'string') throw error;
    throw new AppException('VALIDATION_FAILED', 'The multipart body is malformed', {
      errors: [{ field: 'file', message: 'the multipart body could not be read' }],
    });
  }
}

/** The upload kind from `?kind=` or the form's `kind` field; only attachments go to /files. */
export function parseUploadKind(value: string | undefined): 'attachment' {
  if (value === undefined || value === 'attachment') return 'attachment';
  throw new AppException('VALIDATION_FAILED', 'The request is not valid', {
    errors: [{ field: 'kind', message: 'kind must be attachment (avatars use /users/me/avatar)' }],
  });
}

/** The kind of a REST upload; an invalid one drops the file part before answering 400. */
export function uploadKindOf(
  part: UploadSource & { fields: Record<string, string> },
  queryKind: string | undefined,
): 'attachment' {
  try {
    return parseUploadKind(queryKind ?? part.fields.kind);
  } catch (error) {
    throw discard(part, error);
  }
}

/** Writes a Download: status, headers and the stream (none for 304). */
export function sendDownload(reply: FastifyReply, download: Download): FastifyReply {
  reply.status(download.status).headers(download.headers);
  reply.header('content-security-policy', "default-src 'none'; sandbox; frame-ancestors 'none'");
  return download.body ? reply.send(download.body) : reply.send();
}
