import { describe, expect, it, vi } from 'vitest';
import type { statsConfig } from '../../config/stats.config.js';
import type { StatsRepository } from './stats.repository.js';
import { UserActivityRecorder } from './user-activity.recorder.js';

const config = { activityFlushMs: 60_000 } as ReturnType<typeof statsConfig>;

function setUp(fail = false) {
  const recordActivity = vi.fn(() =>
    fail ? Promise.reject(new Error('down')) : Promise.resolve(),
  );
  const recorder = new UserActivityRecorder(
    { recordActivity } as unknown as StatsRepository,
    config,
  );
  return { recorder, recordActivity };
}

describe('UserActivityRecorder', () => {
  it('writes a user once per day, in one batch', async () => {
    const { recorder, recordActivity } = setUp();
    const at = Date.parse('2026-03-01T10:00:00Z');
    recorder.seen('u1', at);
    recorder.seen('u1', at);
    recorder.seen('u2', at);
    await recorder.flush();
    recorder.seen('u1', at);
    await recorder.flush();
    expect(recordActivity).toHaveBeenCalledTimes(1);
    expect(recordActivity).toHaveBeenCalledWith([
      { day: '2026-03-01', userId: 'u1' },
      { day: '2026-03-01', userId: 'u2' },
    ]);
  });

  it('records the same user again on the next day', async () => {
    const { recorder, recordActivity } = setUp();
    recorder.seen('u1', Date.parse('2026-03-01T23:59:59Z'));
    recorder.seen('u1', Date.parse('2026-03-02T00:00:01Z'));
    await recorder.flush();
    expect(recordActivity).toHaveBeenCalledWith([
      { day: '2026-03-01', userId: 'u1' },
      { day: '2026-03-02', userId: 'u1' },
    ]);
  });

  it('keeps a failed batch for the next flush', async () => {
    const { recorder, recordActivity } = setUp(true);
    recorder.seen('u1', Date.parse('2026-03-01T10:00:00Z'));
    await recorder.flush();
    await recorder.flush();
    expect(recordActivity).toHaveBeenCalledTimes(2);
    expect(recordActivity.mock.calls[1]).toEqual([[{ day: '2026-03-01', userId: 'u1' }]]);
  });
});
