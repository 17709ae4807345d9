import { isUUID } from 'class-validator';
import { type Job, UnrecoverableError } from 'bullmq';
import { AppWorker, type JobSchedule, QueueWorker } from '../../core/queue/app-worker.js';
import type { JobEnvelope } from '../../core/queue/job-envelope.js';
import { type CleanupResult, FilesCleanupService } from './files-cleanup.service.js';
import {
  CLEANUP_PATTERN,
  CLEANUP_SCHEDULER_ID,
  FILES_CLEANUP_JOB,
  FILES_QUEUE,
  PROCESS_IMAGE_JOB,
  type ProcessImagePayload,
} from './files.jobs.js';
import { ImageProcessingService } from './image-processing.service.js';

/** The `files` queue: image processing after uploads and the daily cleanup (worker processes). */
@QueueWorker(FILES_QUEUE)
export class FilesWorker extends AppWorker<
  Partial<ProcessImagePayload>,
  { status: string } | CleanupResult
> {
  constructor(
    private readonly images: ImageProcessingService,
    private readonly cleanup: FilesCleanupService,
  ) {
    super();
  }

  override schedules(): JobSchedule[] {
    return [{ id: CLEANUP_SCHEDULER_ID, pattern: CLEANUP_PATTERN, job: FILES_CLEANUP_JOB }];
  }

  async handle(
    payload: Partial<ProcessImagePayload>,
    job: Job<JobEnvelope<Partial<ProcessImagePayload>>>,
  ): Promise<{ status: string } | CleanupResult> {
    if (job.name === FILES_CLEANUP_JOB) return this.cleanup.run();
    if (
      job.name === PROCESS_IMAGE_JOB &&
      typeof payload.fileId === 'string' &&
      isUUID(payload.fileId)
    ) {
      const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      return this.images.process(payload.fileId, finalAttempt);
    }
    throw new UnrecoverableError(`Unknown files job ${job.name}`);
  }
}
