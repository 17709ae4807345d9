import { describe, expect, it } from 'vitest';
import { sanitizeFilename } from './filename.js';

describe('sanitizeFilename', () => {
  it.each([
    ['../../etc/passwd', 'txt', 'passwd.txt'],
    ['C:\\Users\\x\\photo.jpg', 'jpg', 'photo.jpg'],
    ['.htaccess', 'txt', 'htaccess.txt'],
    ['  ..hidden.png. . ', 'png', 'hidden.png'],
    ['re\u0000port\u0007\u007f\u0085.pdf', 'pdf', 'report.pdf'],
    ['invoice\u202Egpj.exe', 'pdf', 'invoicegpj.exe'],
    ['a\u2066b\u2069.txt', 'txt', 'ab.txt'],
    ['what<>:"|?*.txt', 'txt', 'what_______.txt'],
    ['résumé 2024.pdf', 'pdf', 'résumé 2024.pdf'],
    ['报告.pdf', 'pdf', '报告.pdf'],
    ['📄 notes.md', 'md', '📄 notes.md'],
    ['no-extension', 'png', 'no-extension.png'],
    ['', 'png', 'file.png'],
    [undefined, 'png', 'file.png'],
    ['...', 'png', 'file.png'],
    ['dir/', 'csv', 'file.csv'],
  ])('%j → %j', (raw, extension, expected) => {
    expect(sanitizeFilename(raw, extension)).toBe(expected);
  });

  it('NFC-normalises decomposed characters', () => {
    expect(sanitizeFilename('re\u0301sume\u0301.pdf', 'pdf')).toBe('r\u00e9sum\u00e9.pdf');
  });

  it('caps a 1000-character unicode name at 255 UTF-8 bytes, keeping the extension', () => {
    for (const char of ['报', '😀', 'é', 'a']) {
      const name = sanitizeFilename(`${char.repeat(1000)}.pdf`, 'pdf');
      const bytes = Buffer.from(name, 'utf8');
      expect(bytes.length).toBeLessThanOrEqual(255);
      expect(bytes.length).toBeGreaterThan(250);
      expect(name.endsWith('.pdf')).toBe(true);
      expect(new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toBe(name);
      expect(name).not.toContain('\uFFFD');
    }
  });

  it('drops lone surrogates', () => {
    expect(sanitizeFilename('a\uD800b.txt', 'txt')).toBe('ab.txt');
  });
});
