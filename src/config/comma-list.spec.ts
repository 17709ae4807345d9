import { describe, expect, it } from 'vitest';
import { commaList } from './comma-list.js';

describe('commaList', () => {
  it('is empty for a missing, empty or blank value', () => {
    expect(commaList(undefined)).toEqual([]);
    expect(commaList('')).toEqual([]);
    expect(commaList('  ')).toEqual([]);
    expect(commaList(' , ,, ')).toEqual([]);
  });

  it('keeps a single entry, trimmed', () => {
    expect(commaList('a')).toEqual(['a']);
    expect(commaList('  https://app.example.com \t')).toEqual(['https://app.example.com']);
  });

  it('splits on commas, trimming each entry and dropping the empty ones', () => {
    expect(commaList(' a, b ,,c ,')).toEqual(['a', 'b', 'c']);
    expect(commaList(',a,')).toEqual(['a']);
  });

  it('keeps the order, the case and repeated entries', () => {
    expect(commaList('B,a,B')).toEqual(['B', 'a', 'B']);
  });

  it('splits on commas only', () => {
    expect(commaList('a b;c,d')).toEqual(['a b;c', 'd']);
  });

  describe('with keepEmpty', () => {
    it('keeps the empty entries, trimmed, where they stand', () => {
      expect(commaList('a,,b', { keepEmpty: true })).toEqual(['a', '', 'b']);
      expect(commaList(' a , ', { keepEmpty: true })).toEqual(['a', '']);
      expect(commaList(',a', { keepEmpty: true })).toEqual(['', 'a']);
    });

    it('is still empty for a missing, empty or blank value', () => {
      expect(commaList(undefined, { keepEmpty: true })).toEqual([]);
      expect(commaList('', { keepEmpty: true })).toEqual([]);
      expect(commaList(' ', { keepEmpty: true })).toEqual([]);
    });
  });
});
