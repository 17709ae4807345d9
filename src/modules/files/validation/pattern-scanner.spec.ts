import { describe, expect, it } from 'vitest';
import { PatternScanner, PDF_RULES, pdfNamePattern } from './pattern-scanner.js';

const FORBIDDEN = ['JavaScript', 'JS', 'Launch'];

const hex = (c: string, upper: boolean): string => {
  const code = c.charCodeAt(0).toString(16).padStart(2, '0');
  return `#${upper ? code.toUpperCase() : code}`;
};

/** Every spelling with exactly one character escaped, and the fully escaped one, both hex cases. */
function spellings(name: string): string[] {
  const out = new Set<string>();
  for (const upper of [true, false]) {
    for (let i = 0; i < name.length; i++) {
      out.add(name.slice(0, i) + hex(name[i], upper) + name.slice(i + 1));
    }
    out.add([...name].map((c) => hex(c, upper)).join(''));
  }
  return [...out];
}

/** Scans `text` in pieces of `chunk` bytes, as the inspector does with a stream. */
function scan(text: string, chunk = text.length): string | undefined {
  const scanner = new PatternScanner(PDF_RULES);
  const bytes = Buffer.from(text, 'latin1');
  for (let i = 0; i < bytes.length; i += chunk) {
    const error = scanner.write(bytes.subarray(i, i + chunk));
    if (error) return error.reasonCode;
  }
  return scanner.end()?.reasonCode;
}

describe('PDF name scanning (PDF 32000-1 §7.3.5 escapes decoded)', () => {
  it.each(FORBIDDEN)('finds /%s written plainly', (name) => {
    expect(scan(`<< /S /${name} >>`)).toBe('pdf_active_content');
  });

  it.each(FORBIDDEN.flatMap((name) => spellings(name).map((spelling) => [name, spelling])))(
    'finds /%s written as /%s',
    (_name, spelling) => {
      expect(scan(`1 0 obj << /S /${spelling} (x) >>`)).toBe('pdf_active_content');
    },
  );

  it.each(['/Java#53cript', '/J#61vaScript', '/#4A#53', '/#4a#53', '/L#61unch'])(
    'finds %s split across chunks at every position',
    (spelling) => {
      const text = `${'%'.repeat(100)}\n<< /S ${spelling} >>`;
      for (let chunk = 1; chunk <= text.length; chunk++) {
        expect(scan(text, chunk), `chunk ${chunk}`).toBe('pdf_active_content');
      }
    },
  );

  it.each([
    ['a space', ' '],
    ['a NUL', '\u0000'],
    ['a tab', '\t'],
    ['a form feed', '\f'],
    ['CR', '\r'],
    ['LF', '\n'],
    ['(', '('],
    ['<', '<'],
    ['[', '['],
    ['{', '{'],
    ['/', '/'],
    ['%', '%'],
  ])('a name ended by %s is a whole name', (_what, delimiter) => {
    expect(scan(`<< /#4A#53${delimiter}x`)).toBe('pdf_active_content');
  });

  it('a name at the very end of the file is seen', () => {
    expect(scan('<< /J#53')).toBe('pdf_active_content');
  });

  it.each([
    '/JSON',
    '/JS#4FN',
    '/JSObject',
    '/Java#53cripts',
    '/L#61unched',
    // #23 is `#` itself: the name is `J#53`, not `JS`.
    '/J#2353',
    // Names are case-sensitive: #6A is `j`.
    '/#6A#53',
    '/js',
    // `#` must be followed by two hex digits to be an escape.
    '/J#5',
    '/J#S3',
    // `/JS` followed by an escaped space is the name `JS `.
    '/JS#20',
  ])('leaves the harmless name %s alone', (name) => {
    expect(scan(`<< ${name} (x) >>`)).toBeUndefined();
  });

  it('builds a pattern for names with regex metacharacters literally', () => {
    const pattern = pdfNamePattern(['A.B']);
    expect(pattern.test('/A.B ')).toBe(true);
    expect(pattern.test('/A#2eB ')).toBe(true);
    expect(pattern.test('/AxB ')).toBe(false);
  });
});
