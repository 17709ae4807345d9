import { createInflateRaw, type InflateRaw } from 'node:zlib';
import { invalid, type FileRejectedError } from './file-rejected.error.js';
import { MIME } from './sniff.js';

export interface ZipLimits {
  maxRatio: number;
  maxUncompressedBytes: number;
  maxEntries: number;
}

const LOCAL_SIG = 0x04034b50;
const CENTRAL_SIG = 0x02014b50;
const EOCD_SIG = 0x06054b50;
const DESCRIPTOR_SIG = 0x08074b50;
const LOCAL_HEADER_LEN = 30;
const EOCD_LEN = 22;
/** Enough for the end-of-central-directory record with the longest possible comment. */
const TAIL_LIMIT = 64 * 1024 + EOCD_LEN;
/** Ratios are only judged past this much output; tiny files compress oddly. */
const RATIO_FLOOR = 1024 * 1024;
const ZIP64_MARK = 0xffffffff;

const FLAG_ENCRYPTED = 0x1;
const FLAG_DESCRIPTOR = 0x8;

const malformed = (detail: string): FileRejectedError =>
  invalid(`archive is malformed (${detail})`, 'zip_malformed');

interface Entry {
  remaining: number; // compressed bytes still to come; Infinity when a data descriptor follows
  declaredSize: number;
  hasDescriptor: boolean;
  inflater?: EntryInflater;
}

type State = 'signature' | 'header' | 'data' | 'descriptor' | 'central';

/**
 * Streaming ZIP checker: walks local file headers as bytes pass, inflates deflate entries to
 * count their real size (nothing is kept), and reads the central directory from a retained tail.
 *
 * Decisions: encrypted entries, methods other than store/deflate, stored entries with a data
 * descriptor (their end cannot be found) and Zip64 archives are refused. Nested archives are
 * accepted but not opened — their compressed bytes count toward the outer limits only.
 */
export class ZipInspector {
  private state: State = 'signature';
  private pending: Buffer = Buffer.alloc(0);
  private entry?: Entry;
  private entries = 0;
  private archiveBytes = 0;
  private actualTotal = 0;
  private declaredTotal = 0;
  private readonly tail: Buffer[] = [];
  private tailLength = 0;
  private sawContentTypes = false;
  private sawWord = false;
  private sawXl = false;

  constructor(private readonly limits: ZipLimits) {}

  async write(chunk: Buffer): Promise<void> {
    this.retain(chunk);
    this.archiveBytes += chunk.length;
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    let pos = 0;
    while (pos < buf.length && this.state !== 'central') {
      const need = await this.step(buf, pos);
      if (need.wait) {
        this.pending = Buffer.from(buf.subarray(pos));
        return;
      }
      pos = need.pos;
    }
  }

  /** Final checks; returns the archive's type (plain ZIP, DOCX or XLSX). */
  async end(): Promise<string> {
    if (this.state !== 'central') throw malformed('truncated');
    this.checkCentralDirectory(Buffer.concat(this.tail));
    if (this.sawContentTypes && this.sawWord) return MIME.docx;
    if (this.sawContentTypes && this.sawXl) return MIME.xlsx;
    return MIME.zip;
  }

  /** Advances through one structure; `wait` means more bytes are needed first. */
  private async step(buf: Buffer, pos: number): Promise<{ wait: boolean; pos: number }> {
    const available = buf.length - pos;
    const wait = { wait: true, pos };
    switch (this.state) {
      case 'signature': {
        if (available < 4) return wait;
        const sig = buf.readUInt32LE(pos);
        if (sig === LOCAL_SIG) this.state = 'header';
        else if (sig === CENTRAL_SIG || sig === EOCD_SIG) this.state = 'central';
        else throw malformed('unexpected record');
        return { wait: false, pos };
      }
      case 'header': {
        if (available < LOCAL_HEADER_LEN) return wait;
        const total = LOCAL_HEADER_LEN + buf.readUInt16LE(pos + 26) + buf.readUInt16LE(pos + 28);
        if (available < total) return wait;
        this.startEntry(buf.subarray(pos, pos + total));
        return { wait: false, pos: pos + total };
      }
      case 'data':
        return { wait: false, pos: pos + (await this.feedEntry(buf.subarray(pos))) };
      case 'descriptor': {
        if (available < 4) return wait;
        const len = buf.readUInt32LE(pos) === DESCRIPTOR_SIG ? 16 : 12;
        if (available < len) return wait;
        this.state = 'signature';
        return { wait: false, pos: pos + len };
      }
      default:
        return { wait: false, pos: buf.length };
    }
  }

  private startEntry(header: Buffer): void {
    const flags = header.readUInt16LE(6);
    const method = header.readUInt16LE(8);
    const compressed = header.readUInt32LE(18);
    const uncompressed = header.readUInt32LE(22);
    const nameLen = header.readUInt16LE(26);
    const name = header.subarray(LOCAL_HEADER_LEN, LOCAL_HEADER_LEN + nameLen).toString('utf8');
    const extra = header.subarray(LOCAL_HEADER_LEN + nameLen);

    this.countEntry();
    if (flags & FLAG_ENCRYPTED) {
      throw invalid('encrypted archives are not allowed', 'zip_encrypted');
    }
    if (compressed === ZIP64_MARK || uncompressed === ZIP64_MARK || hasZip64Extra(extra)) {
      throw invalid('Zip64 archives are not supported', 'zip_unsupported');
    }
    if (method !== 0 && method !== 8) {
      throw invalid('archive uses an unsupported compression method', 'zip_unsupported');
    }
    const hasDescriptor = (flags & FLAG_DESCRIPTOR) !== 0;
    if (hasDescriptor && method === 0) throw malformed('stored entry without sizes');
    if (!hasDescriptor) this.checkDeclared(compressed, uncompressed);
    if (!hasDescriptor && method === 0 && compressed !== uncompressed) {
      throw malformed('stored entry sizes differ');
    }

    this.noteName(name);
    this.entry = {
      remaining: hasDescriptor ? Infinity : compressed,
      declaredSize: hasDescriptor ? Infinity : uncompressed,
      hasDescriptor,
      inflater: method === 8 ? new EntryInflater() : undefined,
    };
    this.state = 'data';
  }

  private countEntry(): void {
    this.entries += 1;
    if (this.entries > this.limits.maxEntries) {
      throw invalid(
        `archive has more than ${this.limits.maxEntries} entries`,
        'zip_too_many_entries',
      );
    }
  }

  private noteName(name: string): void {
    if (name === '[Content_Types].xml') this.sawContentTypes = true;
    else if (name.startsWith('word/')) this.sawWord = true;
    else if (name.startsWith('xl/')) this.sawXl = true;
  }

  /** Consumes entry data from `data`; returns how many bytes belonged to the entry. */
  private async feedEntry(data: Buffer): Promise<number> {
    const entry = this.entry as Entry;
    const slice = data.subarray(0, Math.min(data.length, entry.remaining));
    let consumed = slice.length;
    let finished = false;
    if (entry.inflater) {
      if (slice.length > 0) {
        const result = await entry.inflater.write(slice, (bytes) => this.onInflated(entry, bytes));
        consumed = result.consumed;
        finished = result.ended;
      }
    } else {
      this.onInflated(entry, slice.length);
    }
    entry.remaining -= consumed;
    if (entry.remaining === 0 || finished) await this.finishEntry(entry);
    return consumed;
  }

  private async finishEntry(entry: Entry): Promise<void> {
    if (entry.inflater) {
      await entry.inflater.finish();
    }
    this.entry = undefined;
    this.state = entry.hasDescriptor ? 'descriptor' : 'signature';
  }

  /** Counts real output and aborts as soon as the archive behaves like a bomb. */
  private onInflated(entry: Entry, bytes: number): FileRejectedError | undefined {
    this.actualTotal += bytes;
    entry.declaredSize -= bytes;
    if (entry.declaredSize < 0) {
      return invalid('archive entry expands beyond its declared size', 'zip_bomb');
    }
    return this.bombCheck(this.actualTotal, this.archiveBytes);
  }

  private checkDeclared(compressed: number, uncompressed: number): void {
    this.declaredTotal += uncompressed;
    const error =
      this.bombCheck(this.declaredTotal, Infinity) ??
      this.bombCheck(uncompressed, Math.max(compressed, 1));
    if (error) throw error;
  }

  private bombCheck(uncompressed: number, compressed: number): FileRejectedError | undefined {
    const { maxUncompressedBytes, maxRatio } = this.limits;
    if (uncompressed > maxUncompressedBytes) {
      return invalid(`archive expands beyond ${maxUncompressedBytes} bytes`, 'zip_bomb');
    }
    if (uncompressed > RATIO_FLOOR && uncompressed / compressed > maxRatio) {
      return invalid(`archive expands too much (compression ratio over ${maxRatio})`, 'zip_bomb');
    }
    return undefined;
  }

  private retain(chunk: Buffer): void {
    this.tail.push(chunk);
    this.tailLength += chunk.length;
    while (this.tail.length > 1 && this.tailLength - this.tail[0].length >= TAIL_LIMIT) {
      this.tailLength -= (this.tail.shift() as Buffer).length;
    }
  }

  /**
   * Cross-checks the central directory when it is inside the retained tail; a larger one is left
   * to the local-header and real-inflation checks already done.
   */
  private checkCentralDirectory(tail: Buffer): void {
    const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    if (eocd < 0 || tail.length - eocd < EOCD_LEN) throw malformed('no end of central directory');
    const count = tail.readUInt16LE(eocd + 10);
    const size = tail.readUInt32LE(eocd + 12);
    const offset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || size === ZIP64_MARK || offset === ZIP64_MARK) {
      throw invalid('Zip64 archives are not supported', 'zip_unsupported');
    }
    if (count !== this.entries) throw malformed('central directory does not match entries');
    const tailStart = this.archiveBytes - tail.length;
    if (offset + size > tailStart + eocd) throw malformed('central directory out of range');
    if (offset < tailStart) return;
    let pos = offset - tailStart;
    let declared = 0;
    for (let i = 0; i < count; i += 1) {
      if (pos + 46 > eocd || tail.readUInt32LE(pos) !== CENTRAL_SIG) {
        throw malformed('bad central directory');
      }
      if (tail.readUInt16LE(pos + 8) & FLAG_ENCRYPTED) {
        throw invalid('encrypted archives are not allowed', 'zip_encrypted');
      }
      const compressed = tail.readUInt32LE(pos + 20);
      const uncompressed = tail.readUInt32LE(pos + 24);
      if (compressed === ZIP64_MARK || uncompressed === ZIP64_MARK) {
        throw invalid('Zip64 archives are not supported', 'zip_unsupported');
      }
      declared += uncompressed;
      const error =
        this.bombCheck(declared, Infinity) ?? this.bombCheck(uncompressed, Math.max(compressed, 1));
      if (error) throw error;
      pos +=
        46 +
        tail.readUInt16LE(pos + 28) +
        tail.readUInt16LE(pos + 30) +
        tail.readUInt16LE(pos + 32);
    }
  }
}

function hasZip64Extra(extra: Buffer): boolean {
  for (let pos = 0; pos + 4 <= extra.length; pos += 4 + extra.readUInt16LE(pos + 2)) {
    if (extra.readUInt16LE(pos) === 0x0001) return true;
  }
  return false;
}

/**
 * One deflate entry's inflater. Output is only counted, never kept. Node's zlib stream reports how
 * much input the engine took, which is how an entry with a data descriptor finds its end.
 */
class EntryInflater {
  private readonly z: InflateRaw = createInflateRaw();
  private failure?: FileRejectedError;
  private onOutput: (bytes: number) => FileRejectedError | undefined = () => undefined;
  private readonly settled: Promise<void>;

  constructor() {
    this.settled = new Promise<void>((resolve) => {
      this.z.on('data', (out: Buffer) => {
        const error = this.failure ? undefined : this.onOutput(out.length);
        if (error) {
          this.failure = error;
          this.z.destroy();
          resolve();
        }
      });
      this.z.on('end', resolve);
      this.z.on('close', resolve);
      this.z.on('error', () => {
        this.failure ??= malformed('corrupt deflate data');
        resolve();
      });
    });
  }

  async write(
    input: Buffer,
    onOutput: (bytes: number) => FileRejectedError | undefined,
  ): Promise<{ consumed: number; ended: boolean }> {
    this.onOutput = onOutput;
    const before = this.z.bytesWritten;
    await Promise.race([
      new Promise<void>((resolve) => this.z.write(input, () => resolve())),
      this.settled,
    ]);
    if (this.failure) throw this.failure;
    const consumed = this.z.bytesWritten - before;
    // The engine stops taking input at the end of the deflate stream.
    return { consumed, ended: consumed < input.length };
  }

  /** Waits for all output to be counted; the deflate stream must be complete. */
  async finish(): Promise<void> {
    this.z.end();
    await this.settled;
    if (this.failure) throw this.failure;
    if (!this.z.readableEnded) throw malformed('incomplete deflate data');
  }
}
