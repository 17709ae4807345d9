import { beforeEach, describe, expect, it, vi } from 'vitest';

type OperationLabel = typeof import('./operation-name.js').operationLabel;

describe('operationLabel', () => {
  let operationLabel: OperationLabel;
  // The module remembers the names it has seen: every test gets a fresh copy.
  beforeEach(async () => {
    vi.resetModules();
    ({ operationLabel } = await import('./operation-name.js'));
  });

  it.each([undefined, null, ''])('labels a missing name (%j) as anonymous', (name) => {
    expect(operationLabel(name)).toBe('anonymous');
  });

  it.each(['GetUser', 'listJobs', '_private', 'a', 'Q1', 'x'.repeat(64)])(
    'keeps the valid name %s',
    (name) => {
      expect(operationLabel(name)).toBe(name);
    },
  );

  it.each(['1abc', 'has space', 'kebab-case', 'dotted.name', 'émoji🙂', 'x'.repeat(65), '{ q }'])(
    'labels the invalid name %j as invalid',
    (name) => {
      expect(operationLabel(name)).toBe('invalid');
    },
  );

  it('caps distinct names at 200, then labels new ones other', () => {
    for (let i = 0; i < 200; i++) expect(operationLabel(`Op${i}`)).toBe(`Op${i}`);
    expect(operationLabel('Op200')).toBe('other');
    expect(operationLabel('Brand_new')).toBe('other');
    // Names already seen keep their label.
    expect(operationLabel('Op0')).toBe('Op0');
    expect(operationLabel('Op199')).toBe('Op199');
    // Fixed labels do not count towards the cap.
    expect(operationLabel(undefined)).toBe('anonymous');
    expect(operationLabel('not valid')).toBe('invalid');
  });

  it('does not count a repeated name twice', () => {
    for (let i = 0; i < 500; i++) operationLabel('Same');
    for (let i = 0; i < 199; i++) expect(operationLabel(`Op${i}`)).toBe(`Op${i}`);
    expect(operationLabel('Op199')).toBe('other');
  });

  it('does not count invalid names towards the cap', () => {
    for (let i = 0; i < 300; i++) operationLabel(`bad name ${i}`);
    expect(operationLabel('StillRoom')).toBe('StillRoom');
  });
});
