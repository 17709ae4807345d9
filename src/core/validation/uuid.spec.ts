import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { AppException } from '../errors/app.exception.js';
import { isUuid, UuidField, UuidPipe } from './uuid.js';

const id = '5b0c6f1e-8d2a-4c3b-9f1e-2a3b4c5d6e7f';
const malformed = ['', 'not-a-uuid', `${id}0`, id.replaceAll('-', ''), `{${id}}`, 42, null];

class Target {
  @UuidField() userId!: string;
  @UuidField({ nullable: true }) actorId?: string;
  @UuidField({ each: true }) userIds!: string[];
}

const errorsOf = (plain: object) =>
  validateSync(plainToInstance(Target, plain)).map((e) => [
    e.property,
    Object.values(e.constraints ?? {}),
  ]);

describe('one UUID check', () => {
  it('accepts canonical UUIDs of any version and case, nothing else', () => {
    expect(isUuid(id)).toBe(true);
    expect(isUuid(id.toUpperCase())).toBe(true);
    expect(isUuid('00000000-0000-0000-0000-000000000000')).toBe(true);
    for (const value of malformed) expect(isUuid(value)).toBe(false);
  });

  it('UuidPipe passes a UUID through and refuses anything else as VALIDATION_FAILED naming it', () => {
    const pipe = new UuidPipe();
    expect(pipe.transform(id, { type: 'param', data: 'jobId' })).toBe(id);
    for (const value of malformed) {
      let thrown: unknown;
      try {
        pipe.transform(value, { type: 'param', data: 'jobId' });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AppException);
      expect((thrown as AppException).code).toBe('VALIDATION_FAILED');
      expect((thrown as AppException).details.errors).toEqual([
        { field: 'jobId', message: 'jobId must be a UUID' },
      ]);
    }
  });

  it('UuidField checks a field, an optional field and each member of a list with one message', () => {
    expect(errorsOf({ userId: id, userIds: [id] })).toEqual([]);
    expect(errorsOf({ userId: 'x', actorId: 'y', userIds: [id, 'z'] })).toEqual([
      ['userId', ['userId must be a UUID']],
      ['actorId', ['actorId must be a UUID']],
      ['userIds', ['each value in userIds must be a UUID']],
    ]);
  });
});
