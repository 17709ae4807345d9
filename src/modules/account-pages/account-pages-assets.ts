import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

export interface AccountAsset {
  body: Buffer;
  contentType: string;
}

/**
 * The pages' files: next to this module when run from src/, and src/modules/account-pages/public
 * of the package when run from dist/ (tsc copies no assets).
 */
function publicDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  const beside = join(dir, 'public');
  if (existsSync(join(beside, 'account.html'))) return beside;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'src', 'modules', 'account-pages', 'public');
}

const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#137333"/></svg>';

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Every file of the family by URL, read once at start. */
export function loadAccountAssets(appName: string): Map<string, AccountAsset> {
  const dir = publicDir();
  const template = readFileSync(join(dir, 'account.html'), 'utf8');
  const assets = new Map<string, AccountAsset>([
    [
      '/account/account-pages.js',
      {
        body: readFileSync(join(dir, 'account-pages.js')),
        contentType: 'text/javascript; charset=utf-8',
      },
    ],
    // Without an icon of its own, the browser asks for /favicon.ico (a 404) on every page.
    ['/account/favicon.svg', { body: Buffer.from(FAVICON), contentType: 'image/svg+xml' }],
    [
      '/account/account-pages.css',
      {
        body: readFileSync(join(dir, 'account-pages.css')),
        contentType: 'text/css; charset=utf-8',
      },
    ],
  ]);
  for (const page of ACCOUNT_PAGES) {
    const html = template
      .replaceAll('{{PAGE}}', page.slug)
      .replaceAll('{{TITLE}}', escapeHtml(page.title))
      .replaceAll('{{APP}}', escapeHtml(appName));
    assets.set(`/account/${page.slug}`, {
      body: Buffer.from(html),
      contentType: 'text/html; charset=utf-8',
    });
  }
  return assets;
}
