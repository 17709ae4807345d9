import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { FileRejectedError, invalid } from './file-rejected.error.js';
import {
  IMAGE_RULES,
  PDF_RULES,
  PatternScanner,
  TEXT_RULES,
  UNIVERSAL_RULES,
} from './pattern-scanner.js';
import {
  EXTENSIONS,
  HEAD_SIZE,
  MIME,
  TextValidator,
  checkAllowed,
  checkDeclaredFamily,
  normaliseDeclared,
  sniffHead,
  type Sniffed,
} from './sniff.js';
import { ZipInspector, type ZipLimits } from './zip-inspector.js';

export interface InspectionPolicy {
  /** MIME types allowed for this upload kind. */
  allowedTypes: readonly string[];
  /** More than this → PAYLOAD_TOO_LARGE, raised as soon as byte maxBytes+1 arrives. */
  maxBytes: number;
  zip: ZipLimits;
}

export interface InspectionResult {
  mimeType: string;
  extension: string;
  size: number;
  /** Hex. */
  sha256: string;
}

/** Every MIME type the sniffer can recognise (for config validation). */
export const KNOWN_TYPES: readonly string[] = Object.values(MIME);

const ZIP_TYPES: readonly string[] = [MIME.zip, MIME.docx, MIME.xlsx];

/**
 * A pass-through Transform: bytes flow unchanged to the storage writer while being hashed,
 * counted, sniffed and scanned. It errors (destroying the pipeline) with FileRejectedError the
 * moment content is known to be bad; checks that need the whole file run in flush() so the
 * stream errors instead of ending.
 */
export class ContentInspector extends Transform {
  private readonly hash = createHash('sha256');
  private readonly declared: string;
  private size = 0;
  private head: Buffer[] = [];
  private headLength = 0;
  private sniffed?: Sniffed;
  private scanner?: PatternScanner;
  private text?: TextValidator;
  private zip?: ZipInspector;
  private outcome?: InspectionResult;

  constructor(
    private readonly policy: InspectionPolicy,
    declaredType?: string,
  ) {
    super();
    this.declared = normaliseDeclared(declaredType);
  }

  /** Only after the stream finished successfully. */
  result(): InspectionResult {
    if (!this.outcome) throw new Error('inspection has not completed successfully');
    return this.outcome;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.accept(chunk).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.finish().then(() => callback(), callback);
  }

  private async accept(chunk: Buffer): Promise<void> {
    this.size += chunk.length;
    if (this.size > this.policy.maxBytes) {
      throw new FileRejectedError(
        'PAYLOAD_TOO_LARGE',
        `file exceeds ${this.policy.maxBytes} bytes`,
        'too_large',
      );
    }
    this.hash.update(chunk);
    if (this.sniffed) {
      await this.scan(chunk);
      this.push(chunk);
      return;
    }
    this.head.push(chunk);
    this.headLength += chunk.length;
    if (this.headLength >= HEAD_SIZE) await this.releaseHead(false);
  }

  private async releaseHead(complete: boolean): Promise<void> {
    const head = Buffer.concat(this.head);
    this.head = [];
    // A large first chunk can overshoot the head; only HEAD_SIZE bytes decide, the rest is scanned.
    const decisive = head.subarray(0, HEAD_SIZE);
    this.sniffed = sniffHead(decisive, complete && head.length <= HEAD_SIZE, this.declared);
    this.prepare(this.sniffed);
    await this.scan(head);
    this.push(head);
  }

  /** Rejects what can already be rejected and sets up the format's streaming checks. */
  private prepare({ format, mimeType }: Sniffed): void {
    const rules = [...UNIVERSAL_RULES];
    fail(checkDeclaredFamily(this.declared, mimeType));
    if (format === 'zip') {
      if (!ZIP_TYPES.some((type) => this.policy.allowedTypes.includes(type))) {
        fail(checkAllowed(mimeType, this.policy.allowedTypes));
      }
      this.zip = new ZipInspector(this.policy.zip);
    } else {
      fail(checkAllowed(mimeType, this.policy.allowedTypes));
    }
    if (format === 'image') rules.push(...IMAGE_RULES);
    if (format === 'pdf') rules.push(...PDF_RULES);
    if (format === 'text') {
      rules.push(...TEXT_RULES);
      this.text = new TextValidator();
    }
    this.scanner = new PatternScanner(rules);
  }

  private async scan(chunk: Buffer): Promise<void> {
    fail(this.scanner?.write(chunk));
    fail(this.text?.write(chunk));
    await this.zip?.write(chunk);
  }

  private async finish(): Promise<void> {
    if (this.size === 0) throw invalid('file is empty', 'empty');
    if (!this.sniffed) await this.releaseHead(true);
    fail(this.scanner?.end());
    fail(this.text?.end());
    let mimeType = (this.sniffed as Sniffed).mimeType;
    if (this.zip) {
      mimeType = await this.zip.end();
      fail(checkAllowed(mimeType, this.policy.allowedTypes));
    }
    this.outcome = {
      mimeType,
      extension: EXTENSIONS[mimeType],
      size: this.size,
      sha256: this.hash.digest('hex'),
    };
  }
}

function fail(error: FileRejectedError | undefined): void {
  if (error) throw error;
}
