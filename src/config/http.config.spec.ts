import { describe, expect, it } from 'vitest';
import { parseTrustProxy } from './http.config.js';

describe('parseTrustProxy', () => {
  it('maps true and false to booleans', () => {
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('false')).toBe(false);
  });

  it('maps a hop count to a number', () => {
    expect(parseTrustProxy('0')).toBe(0);
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('12')).toBe(12);
  });

  it('maps a single address or keyword to a one-element list', () => {
    expect(parseTrustProxy('10.0.0.1')).toEqual(['10.0.0.1']);
    expect(parseTrustProxy('loopback')).toEqual(['loopback']);
  });

  it('splits a comma list of addresses and CIDRs, trimming and dropping blanks', () => {
    expect(parseTrustProxy('10.0.0.0/8, 192.168.1.1 ,,::1, fd00::/8,')).toEqual([
      '10.0.0.0/8',
      '192.168.1.1',
      '::1',
      'fd00::/8',
    ]);
  });
});
