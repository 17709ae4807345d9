import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { besideModule, type StaticAsset, staticAsset } from '../../core/http/static-assets.js';

const NO_CACHE = 'no-cache';
const IMMUTABLE = 'public, max-age=31536000, immutable';
type PageFile = 'index.html' | 'admin.js' | 'admin.css';

const require = createRequire(import.meta.url);

/**
 * Every file the page serves, by URL. The chart library comes from node_modules under a path
 * that names its version, so it may be cached for good; the page's own files are revalidated.
 */
export function loadAdminAssets(): Map<string, StaticAsset> {
  const uplotDir = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  const { version } = JSON.parse(readFileSync(require.resolve('uplot/package.json'), 'utf8')) as {
    version: string;
  };
  const vendor = `/admin/vendor/uplot-${version}`;
  const dir = besideModule(import.meta.url, 'public');
  const read = (file: PageFile) => readFileSync(join(dir, file));

  const html = read('index.html').toString('utf8').replaceAll('{{VENDOR}}', vendor);
  const page = staticAsset(Buffer.from(html), 'text/html; charset=utf-8', NO_CACHE);
  return new Map([
    ['/admin', page],
    ['/admin/', page],
    ['/admin/admin.js', staticAsset(read('admin.js'), 'text/javascript; charset=utf-8', NO_CACHE)],
    ['/admin/admin.css', staticAsset(read('admin.css'), 'text/css; charset=utf-8', NO_CACHE)],
    [
      `${vendor}/uPlot.iife.min.js`,
      staticAsset(
        readFileSync(join(uplotDir, 'uPlot.iife.min.js')),
        'text/javascript; charset=utf-8',
        IMMUTABLE,
      ),
    ],
    [
      `${vendor}/uPlot.min.css`,
      staticAsset(
        readFileSync(join(uplotDir, 'uPlot.min.css')),
        'text/css; charset=utf-8',
        IMMUTABLE,
      ),
    ],
  ]);
}
