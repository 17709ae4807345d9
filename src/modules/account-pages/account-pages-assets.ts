import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { besideModule, type StaticAsset, staticAsset } from '../../core/http/static-assets.js';

/** One page of the family: what its HTML says before the script takes over. */
export interface AccountPage {
  /** The path under /account/ and the mail link's path today (`/verify-email`, …). */
  slug: string;
  legacyPath: string;
  title: string;
}

export const ACCOUNT_PAGES: readonly AccountPage[] = [
  { slug: 'verify-email', legacyPath: '/verify-email', title: 'Verify your email address' },
  { slug: 'reset-password', legacyPath: '/reset-password', title: 'Choose a new password' },
  {
    slug: 'confirm-email-change',
    legacyPath: '/confirm-email-change',
    title: 'Confirm your new email address',
  },
  { slug: 'sign-in', legacyPath: '/login', title: 'Your account' },
];

const NO_STORE = 'no-store';

const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#137333"/></svg>';

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Every file of the family by URL, read once at start. */
export function loadAccountAssets(appName: string): Map<string, StaticAsset> {
  const dir = besideModule(import.meta.url, 'public');
  const template = readFileSync(join(dir, 'account.html'), 'utf8');
  // The token is in the pages' URL: nothing of them is stored by a cache.
  const file = (name: string, type: string) =>
    staticAsset(readFileSync(join(dir, name)), type, NO_STORE);
  const assets = new Map<string, StaticAsset>([
    ['/account/account-pages.js', file('account-pages.js', 'text/javascript; charset=utf-8')],
    // Without an icon of its own, the browser asks for /favicon.ico (a 404) on every page.
    ['/account/favicon.svg', staticAsset(FAVICON, 'image/svg+xml', NO_STORE)],
    ['/account/account-pages.css', file('account-pages.css', 'text/css; charset=utf-8')],
  ]);
  for (const page of ACCOUNT_PAGES) {
    const html = template
      .replaceAll('{{PAGE}}', page.slug)
      .replaceAll('{{TITLE}}', escapeHtml(page.title))
      .replaceAll('{{APP}}', escapeHtml(appName));
    assets.set(`/account/${page.slug}`, staticAsset(html, 'text/html; charset=utf-8', NO_STORE));
  }
  return assets;
}
