import { Busboy } from '@fastify/busboy';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { type FileUpload, Upload } from 'graphql-upload-minimal';
import { AppException } from '../errors/app.exception.js';

export interface GraphqlMultipartOptions {
  /** Bytes a file may have; the files module sees one byte more and answers 413 itself. */
  maxFileBytes: number;
  maxFieldBytes: number;
}

/** The library's Upload, whose settle functions its typings leave out. */
type PendingUpload = Upload & { resolve(file: FileUpload): void; reject(error: unknown): void };

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

const invalid = (detail: string): AppException =>
  new AppException('VALIDATION_FAILED', `Invalid multipart GraphQL request: ${detail}`);

/** Puts `value` at a dotted path (`variables.file`, `0.variables.files.1`) of the operations. */
function setAtPath(target: unknown, path: string, value: unknown): void {
  const segments = path.split('.');
  if (segments.some((s) => s === '' || FORBIDDEN_SEGMENTS.has(s)))
    throw invalid(`bad path ${path}`);
  let node = target as Record<string, unknown>;
  for (const segment of segments.slice(0, -1)) {
    const next = node[segment];
    if (typeof next !== 'object' || next === null) throw invalid(`bad path ${path}`);
    node = next as Record<string, unknown>;
  }
  node[segments[segments.length - 1]] = value;
}

/**
 * The GraphQL multipart request spec (operations, map, then the files), one file per request.
 * Resolves with the operations once `map` has arrived, each mapped variable holding an Upload
 * whose file stream the resolver consumes while the request is still arriving. Every parser
 * error is handled (a malformed part is a 400, never an uncaught exception).
 */
export function parseGraphqlMultipart(
  request: IncomingMessage,
  options: GraphqlMultipartOptions,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let operations: unknown;
    let uploads: Map<string, PendingUpload> | undefined;
    let current: Readable | undefined;
    let failed = false;
    let parser: ReturnType<typeof Busboy>;
    try {
      parser = Busboy({
        headers: request.headers as { 'content-type': string },
        limits: {
          fields: 2,
          files: 1,
          parts: 3,
          fieldSize: options.maxFieldBytes,
          fileSize: options.maxFileBytes + 1,
        },
      });
    } catch {
      // Busboy throws at once for a content type without a usable boundary. The unread body is
      // the transport's to settle (core/http/multipart.ts).
      return reject(invalid('the multipart boundary is missing'));
    }

    const fail = (error: AppException): void => {
      if (failed) return;
      failed = true;
      reject(error);
      for (const upload of uploads?.values() ?? []) if (!upload.file) upload.reject(error);
      current?.destroy(error);
      request.unpipe(parser);
    };

    parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
      if (valueTruncated) return fail(invalid(`field ${name} is too long`));
      try {
        if (name === 'operations') {
          operations = JSON.parse(value);
          if (typeof operations !== 'object' || operations === null) throw invalid('operations');
        } else if (name === 'map') {
          if (operations === undefined) throw invalid("'map' must follow 'operations'");
          const map: unknown = JSON.parse(value);
          if (typeof map !== 'object' || map === null || Array.isArray(map)) throw invalid('map');
          const entries = Object.entries(map as Record<string, unknown>);
          if (entries.length > 1) throw invalid('one file per request');
          uploads = new Map();
          for (const [field, paths] of entries) {
            if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string')) {
              throw invalid(`map entry ${field}`);
            }
            const upload = new Upload() as PendingUpload;
            uploads.set(field, upload);
            for (const path of paths as string[]) setAtPath(operations, path, upload);
          }
          resolve(operations);
        }
      } catch (error) {
        fail(error instanceof AppException ? error : invalid(`field ${name} is not valid JSON`));
      }
    });

    parser.on('file', (field, stream, filename, encoding, mimetype) => {
      const upload = uploads?.get(field);
      if (!upload) {
        stream.resume();
        return fail(invalid(uploads ? `unexpected file ${field}` : "files must follow 'map'"));
      }
      current = stream;
      // Its reader (the resolver's pipeline) handles errors; one may come before it attaches.
      stream.on('error', () => undefined);
      // A reader that destroys the stream (a refused upload) will read no more: busboy would
      // wait for it forever, holding the request.
      stream.on('close', () => {
        if (!stream.readableEnded) request.unpipe(parser);
      });
      upload.resolve({
        fieldName: field,
        filename,
        mimetype,
        encoding,
        createReadStream: () => stream as unknown as ReturnType<FileUpload['createReadStream']>,
      });
    });

    parser.on('error', (error: unknown) => {
      fail(invalid((error as Error).message ?? 'malformed body'));
    });
    parser.on('filesLimit', () => fail(invalid('one file per request')));
    parser.on('partsLimit', () => fail(invalid('too many parts')));
    parser.on('finish', () => {
      if (!uploads) return fail(invalid("missing 'operations' or 'map'"));
      for (const upload of uploads.values()) {
        if (!upload.file) upload.reject(invalid('the mapped file is missing'));
      }
    });
    // `complete` is not enough: a body fully received but not yet parsed is lost with the
    // socket too, and the file stream would then never end (its storage write would hang).
    request.on('close', () => {
      if (!request.readableEnded) fail(invalid('the request was aborted'));
    });
    request.pipe(parser);
  });
}
