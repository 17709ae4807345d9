import { Transform, type TransformCallback } from 'node:stream';

/** Passes bytes through until more than `limit` have flowed, then fails with `onExceeded()`. */
export class ByteLimit extends Transform {
  private seen = 0;

  constructor(
    private readonly limit: number,
    private readonly onExceeded: () => Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) return done(this.onExceeded());
    done(null, chunk);
  }
}
