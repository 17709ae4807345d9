import { IsInt, IsOptional, IsString, MetadataStorage, Min, validateSync } from 'class-validator';
import { getMetadataStorage } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { cacheValidationMetadata } from './validation-metadata-cache.js';

class Base {
  @IsString()
  name!: string;
}

class Child extends Base {
  @IsInt()
  @Min(1, { groups: ['strict'] })
  count!: number;

  @IsOptional()
  @IsString()
  note?: string;
}

const storage = getMetadataStorage();
// The library's own lookups, unpatched.
const uncached = {
  lookUp: (...args: Parameters<MetadataStorage['getTargetValidationMetadatas']>) =>
    MetadataStorage.prototype.getTargetValidationMetadatas.apply(storage, args),
  group: (metadata: Parameters<MetadataStorage['groupByPropertyName']>[0]) =>
    MetadataStorage.prototype.groupByPropertyName.call(storage, metadata),
};
const properties = (metadata: Array<{ propertyName: string; type: string }>) =>
  metadata.map((m) => `${m.propertyName}:${m.type}`).sort();

describe('cacheValidationMetadata', () => {
  cacheValidationMetadata(storage);
  cacheValidationMetadata(storage); // idempotent

  it('answers as class-validator does, per class, inheritance and groups included', () => {
    const options: Array<[boolean, boolean, string[] | undefined]> = [
      [false, false, undefined],
      [false, true, undefined],
      [false, false, ['strict']],
      [true, false, undefined],
    ];
    for (const target of [Base, Child]) {
      for (const [always, strictGroups, groups] of options) {
        const cached = storage.getTargetValidationMetadatas(
          target,
          '',
          always,
          strictGroups,
          groups,
        );
        const plain = uncached.lookUp(target, '', always, strictGroups, groups);
        expect(properties(cached)).toEqual(properties(plain));
        expect(Object.keys(storage.groupByPropertyName(cached)).sort()).toEqual(
          Object.keys(uncached.group(plain)).sort(),
        );
      }
    }
  });

  it('hands back the same answer for the same class and options', () => {
    const first = storage.getTargetValidationMetadatas(Child, '', false, false, undefined);
    expect(storage.getTargetValidationMetadatas(Child, '', false, false, undefined)).toBe(first);
    expect(storage.groupByPropertyName(first)).toBe(storage.groupByPropertyName(first));
    expect(storage.getTargetValidationMetadatas(Child, '', false, false, ['strict'])).not.toBe(
      first,
    );
  });

  it('forgets its answers when a rule is added later', () => {
    const before = storage.getTargetValidationMetadatas(Child, '', false, false, undefined);
    IsString()(Child.prototype, 'late');
    const after = storage.getTargetValidationMetadatas(Child, '', false, false, undefined);
    expect(after).not.toBe(before);
    expect(properties(after)).toContain('late:customValidation');
    const child = Object.assign(new Child(), { name: 'a', count: 1, late: 5 });
    expect(validateSync(child).map((e) => e.property)).toEqual(['late']);
  });

  it('validates as before: inherited rules, whitelist and groups', () => {
    const ok = Object.assign(new Child(), { name: 'a', count: 1, late: 'x' });
    expect(validateSync(ok, { whitelist: true, forbidNonWhitelisted: true })).toEqual([]);
    const zero = Object.assign(new Child(), { name: 'a', count: 0, late: 'x' });
    expect(validateSync(zero).map((e) => e.property)).toEqual(['count']);
    expect(validateSync(zero, { strictGroups: true })).toEqual([]);
    expect(validateSync(zero, { groups: ['strict'] }).map((e) => e.property)).toEqual(['count']);
    const bad = Object.assign(new Child(), { name: 1, count: 'x', extra: true, late: 'x' });
    const errors = validateSync(bad, { whitelist: true, forbidNonWhitelisted: true });
    expect(errors.map((e) => e.property).sort()).toEqual(['count', 'extra', 'name']);
  });
});
