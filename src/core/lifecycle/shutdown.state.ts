import { Injectable } from '@nestjs/common';

/** Flipped at the first moment of shutdown, so /ready answers 503 while requests drain. */
@Injectable()
export class ShutdownState {
  private since?: Date;

  begin(): void {
    this.since ??= new Date();
  }

  get shuttingDown(): boolean {
    return this.since !== undefined;
  }
}
