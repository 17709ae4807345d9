import type { Queue } from 'bullmq';
import { expect } from 'vitest';
import { eventually } from './eventually.js';

/** The job scheduler `id` of a queue, once a worker process has registered it at start. */
export function registeredScheduler(queue: Queue, id: string) {
  return eventually(async () => {
    const found = await queue.getJobScheduler(id);
    expect(found).toBeDefined();
    return found!;
  });
}
