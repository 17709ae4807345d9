import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the admin page, read once at start. */
export interface AdminAsset {
  body: Buffer;
  contentType: string;
  cacheControl: string;
  etag: string;
}

const NO_CACHE = 'no-cache';
const IMMUTABLE = 'public, max-age=31536000, immutable';
type PageFile = 'index.html' | 'admin.js' | 'admin.css';

const require = createRequire(import.meta.url);

/**
 * The page's own files: next to this module when run from src/, and src/modules/admin-ui/public
 * of the package when run from dist/ (tsc copies no assets).
 */
function publicDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  const beside = join(dir, 'public');
  if (existsSync(join(beside, 'index.html'))) return beside;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'src', 'modules', 'admin-ui', 'public');
}

const asset = (body: Buffer, contentType: string, cacheControl: string): AdminAsset => ({
  body,
  contentType,
  cacheControl,
  etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
});

/**
 * Every file the page serves, by URL. The chart library comes from node_modules under a path
 * that names its version, so it may be cached for good; the page's own files are revalidated.
 */
export function loadAdminAssets(): Map<string, AdminAsset> {
  const uplotDir = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  const { version } = JSON.parse(readFileSync(require.resolve('uplot/package.json'), 'utf8')) as {
    version: string;
  };
  const vendor = `/admin/vendor/uplot-${version}`;
  const dir = publicDir();
  const read = (file: PageFile) => readFileSync(join(dir, file));

  const html = read('index.html').toString('utf8').replaceAll('{{VENDOR}}', vendor);
  const page = asset(Buffer.from(html), 'text/html; charset=utf-8', NO_CACHE);
  return new Map([
    ['/admin', page],
    ['/admin/', page],
    ['/admin/admin.js', asset(read('admin.js'), 'text/javascript; charset=utf-8', NO_CACHE)],
    ['/admin/admin.css', asset(read('admin.css'), 'text/css; charset=utf-8', NO_CACHE)],
    [
      `${vendor}/uPlot.iife.min.js`,
      asset(
        readFileSync(join(uplotDir, 'uPlot.iife.min.js')),
        'text/javascript; charset=utf-8',
        IMMUTABLE,
      ),
    ],
    [
      `${vendor}/uPlot.min.css`,
      asset(readFileSync(join(uplotDir, 'uPlot.min.css')), 'text/css; charset=utf-8', IMMUTABLE),
    ],
  ]);
}
