/**
 * The account pages' own policy: their script and style files only (nothing inline), API calls
 * to this origin only, no framing. The token is in the page's URL, so no referrer ever leaves
 * and nothing is cached.
 */
export const ACCOUNT_PAGES_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const ACCOUNT_PAGES_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': ACCOUNT_PAGES_CSP,
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};
