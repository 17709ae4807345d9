import { describe, expect, it } from 'vitest';
import { changedValues } from './audit-diff.js';

describe('changedValues', () => {
  it('keeps only the keys whose values differ, deep-compared', () => {
    expect(
      changedValues(
        { a: 1, b: 'x', roles: ['user'], gone: true },
        { a: 1, b: 'y', roles: ['user'], added: 'z' },
      ),
    ).toEqual({
      old: { b: 'x', gone: true, added: null },
      new: { b: 'y', gone: null, added: 'z' },
    });
    expect(changedValues({ roles: ['a'] }, { roles: ['a', 'b'] })).toEqual({
      old: { roles: ['a'] },
      new: { roles: ['a', 'b'] },
    });
    expect(changedValues({ a: null }, { a: null })).toEqual({ old: {}, new: {} });
  });
});
