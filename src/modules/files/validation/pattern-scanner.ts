import {
  unsupported,
  type FileRejectedError,
  type RejectionReasonCode,
} from './file-rejected.error.js';

export interface ScanRule {
  pattern: RegExp;
  reason: string;
  reasonCode: RejectionReasonCode;
}

// Longer than any rule can match, so a match split across chunks is still seen whole.
const OVERLAP = 64;

/**
 * Searches a byte stream for forbidden patterns. Bytes are viewed as latin1 so each byte is one
 * character and ASCII patterns match inside UTF-8 or binary data alike.
 */
export class PatternScanner {
  private tail = '';

  constructor(private readonly rules: readonly ScanRule[]) {}

  write(chunk: Buffer): FileRejectedError | undefined {
    const window = this.tail + chunk.toString('latin1');
    this.tail = window.slice(-OVERLAP);
    return this.match(window);
  }

  /** Lets patterns that require a following delimiter match at the very end of the stream. */
  end(): FileRejectedError | undefined {
    return this.match(`${this.tail}\n`);
  }

  private match(window: string): FileRejectedError | undefined {
    const rule = this.rules.find((r) => r.pattern.test(window));
    return rule && unsupported(rule.reason, rule.reasonCode);
  }
}

const php: ScanRule = {
  pattern: /<\?php/i,
  reason: 'server-side script content is not allowed',
  reasonCode: 'script',
};

/** Applied to every upload. */
export const UNIVERSAL_RULES: readonly ScanRule[] = [php];

/**
 * Text uploads are served back to browsers, so anything that could become active markup is
 * refused. `<?=` is only checked here: three bytes occur by chance in compressed binary data.
 */
export const TEXT_RULES: readonly ScanRule[] = [
  { pattern: /<\?=/, reason: 'server-side script content is not allowed', reasonCode: 'script' },
  {
    pattern: /<script|<svg|<html|<!doctype\s+html|<iframe|javascript:/i,
    reason: 'markup with active content is not allowed',
    reasonCode: 'markup',
  },
  {
    pattern:
      /(?<![a-z0-9_-])on(?:load|error|click|mouseover|focus|begin|animationstart|toggle)\s{0,16}=/i,
    reason: 'markup with active content is not allowed',
    reasonCode: 'markup',
  },
];

/** An image carrying an archive or a script is a polyglot (e.g. GIFAR, JPEG + ZIP). */
export const IMAGE_RULES: readonly ScanRule[] = [
  {
    // eslint-disable-next-line no-control-regex -- matching control bytes is the point
    pattern: /PK\x03\x04|PK\x05\x06/,
    reason: 'image contains an embedded archive',
    reasonCode: 'polyglot',
  },
  { pattern: /<script/i, reason: 'image contains embedded script', reasonCode: 'polyglot' },
];

/**
 * A PDF name token (PDF 32000-1 §7.3.5) equal to one of `names` once normalised: any character
 * may be written as `#xx` (two hex digits, either case), so `/J#61vaScript` and `/#4A#53` are
 * `/JavaScript` and `/JS`. Names are case-sensitive, and end at PDF whitespace (NUL included)
 * or a delimiter.
 */
export function pdfNamePattern(names: readonly string[]): RegExp {
  const hex = (c: string): string =>
    [...c.charCodeAt(0).toString(16).padStart(2, '0')]
      .map((d) => (/[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d))
      .join('');
  const escaped = (c: string): string => `(?:${c.replace(/[^A-Za-z0-9]/g, '\\$&')}|#${hex(c)})`;
  const alternatives = names.map((name) => [...name].map(escaped).join(''));
  return new RegExp(`/(?:${alternatives.join('|')})(?=[\\s\\x00()<>[\\]{}/%])`);
}

/**
 * PDFs with JavaScript or launch actions are refused: viewers may run them on open. Names are
 * matched after `#xx` escapes are decoded; names inside compressed object streams are not
 * seen, so PDFs are still served as attachments.
 */
export const PDF_RULES: readonly ScanRule[] = [
  {
    pattern: pdfNamePattern(['JavaScript', 'JS', 'Launch']),
    reason: 'PDF with JavaScript or launch actions is not allowed',
    reasonCode: 'pdf_active_content',
  },
];
