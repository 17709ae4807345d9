import { describe, expect, it } from 'vitest';
import { findSecretProblems, generateSecret, MIN_SECRET_LENGTH } from './secrets.js';

const STRONG_A = '9c1e4b7a2f5d8063e1a4c7b0d3f6928e5b1a4d7c0f3e6a9b2c5d8e1f4a7b0c3d';
const STRONG_B = '4e7a0d3c6f9b2e5a8d1c4f7b0e3a6d9c2f5b8e1a4d7c0f3b6e9a2d5c8f1b4e7a';

describe('findSecretProblems', () => {
  it('finds nothing wrong with distinct strong secrets', () => {
    expect(
      findSecretProblems([
        ['A', STRONG_A],
        ['B', STRONG_B],
      ]),
    ).toEqual([]);
  });

  it('skips unset and empty secrets', () => {
    expect(
      findSecretProblems([
        ['A', undefined],
        ['B', ''],
        ['C', undefined],
      ]),
    ).toEqual([]);
  });

  it('flags a secret shorter than the minimum, by name', () => {
    expect(MIN_SECRET_LENGTH).toBe(32);
    expect(findSecretProblems([['JWT_SECRET', STRONG_A.slice(0, 31)]])).toEqual([
      'JWT_SECRET must be at least 32 characters in production',
    ]);
    expect(findSecretProblems([['JWT_SECRET', STRONG_A.slice(0, 32)]])).toEqual([]);
  });

  it.each(['changeme', 'secret', 'Password', 'keyboard cat', 'your-256-bit-secret', '123456'])(
    'flags the known weak value %j (and its length)',
    (value) => {
      const problems = findSecretProblems([['S', value]]);
      expect(problems).toHaveLength(2);
      expect(problems.some((p) => p.startsWith('S is a known weak value'))).toBe(true);
      expect(problems.some((p) => p.startsWith('S must be at least'))).toBe(true);
    },
  );

  it.each([
    'changeme'.padEnd(64, 'x'),
    `prefix-${'SeCrEt'}-${STRONG_A.slice(0, 40)}`,
    `${STRONG_A.slice(0, 40)}password`,
    `test-${STRONG_A}`,
    `${STRONG_A}ADMIN`,
  ])('flags a long value with a weak fragment: %s', (value) => {
    const problems = findSecretProblems([['S', value]]);
    expect(problems).toEqual([
      'S is a known weak value (contains a dictionary word such as "secret")',
    ]);
  });

  it('flags a secret equal to an earlier one, naming both', () => {
    expect(
      findSecretProblems([
        ['JWT_SECRET', STRONG_A],
        ['SIGNING_SECRET', STRONG_B],
        ['METRICS_TOKEN', STRONG_A],
      ]),
    ).toEqual(['METRICS_TOKEN must differ from JWT_SECRET']);
  });

  it('reports every problem of every secret', () => {
    const problems = findSecretProblems([
      ['A', 'secret'],
      ['B', 'secret'],
    ]);
    expect(problems).toEqual([
      'A must be at least 32 characters in production',
      'A is a known weak value (contains a dictionary word such as "secret")',
      'B must be at least 32 characters in production',
      'B is a known weak value (contains a dictionary word such as "secret")',
      'B must differ from A',
    ]);
  });
});

describe('generateSecret', () => {
  it('makes 32 random bytes as 64 hex characters by default', () => {
    expect(generateSecret()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('honours the byte count', () => {
    expect(generateSecret(16)).toMatch(/^[0-9a-f]{32}$/);
    expect(generateSecret(48)).toHaveLength(96);
  });

  it('never repeats itself', () => {
    const values = new Set(Array.from({ length: 200 }, () => generateSecret()));
    expect(values.size).toBe(200);
  });

  it('always passes the secret checks, alone and side by side', () => {
    for (let i = 0; i < 500; i++) {
      expect(
        findSecretProblems([
          ['A', generateSecret()],
          ['B', generateSecret()],
        ]),
      ).toEqual([]);
    }
    expect(findSecretProblems([['A', generateSecret(16)]])).toEqual([]);
  });
});
