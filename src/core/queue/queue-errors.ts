import type { Logger } from '@nestjs/common';

const EVERY_MS = 10_000;

/**
 * BullMQ queues and workers emit 'error' for backend trouble (Redis or PostgreSQL away); with no
 * listener, BullMQ prints every one to stderr. One WARN per queue per 10 s says the same to an
 * operator, through the JSON logger, without flooding the log during an outage.
 */
export function logQueueErrors(
  emitter: { on(event: 'error', listener: (error: Error) => void): unknown },
  queue: string,
  logger: Logger,
): void {
  let last = 0;
  let suppressed = 0;
  emitter.on('error', (error) => {
    const now = Date.now();
    if (now - last < EVERY_MS) {
      suppressed++;
      return;
    }
    logger.warn({ err: error, queue, suppressed }, 'Queue backend error');
    last = now;
    suppressed = 0;
  });
}
