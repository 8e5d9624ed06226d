/**
 * The web UI's static files (web/dist, built by `npm ci`), served at / without a token: the UI holds
 * no data, and its login page asks for the API token that every API call then carries.
 * index.html answers every UI path (the SPA fallback); other paths stay the API's 404s.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'hono';
import { getMimeType } from 'hono/utils/mime';
import { UI_SECTIONS } from '../../web/src/sections.ts';
import { problemResponse } from './problem.ts';
import type { Api } from './routes/common.ts';

interface StaticFile {
  body: Uint8Array;
  type: string;
}

/** The built files by URL path ("/assets/index-3f2a.js"), read once: a rebuild needs a restart. */
export type WebUi = Map<string, StaticFile>;

/** web/dist of the installed package: found upwards from this module, which runs from src/api or from the dist/cli.mjs bundle. */
export function defaultWebRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'web', 'dist');
}

/** The files under `root`, or null when no UI was built there (no index.html). */
export function loadWebUi(root: string): WebUi | null {
  if (!existsSync(join(root, 'index.html'))) return null;
  const files: WebUi = new Map();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.set(`/${relative(root, path).split(sep).join('/')}`, { body: readFileSync(path), type: getMimeType(entry.name) ?? 'application/octet-stream' });
    }
  };
  walk(root);
  return files;
}

// The bundle loads only its own scripts and styles; @xyflow/react positions nodes with style attributes.
const HTML_HEADERS = {
  'cache-control': 'no-cache',
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};
// Vite names every asset by its content hash, so a cached copy can never be stale.
const ASSET_HEADERS = { 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' };

export function webUiRoutes(app: Api, ui: WebUi | null): void {
  const notBuilt = (c: Context) => problemResponse(c, 404, 'the web UI is not built here: run `npm ci` (or `npx vite build web`) in the hostwire folder, then restart `hostwire serve`');
  const index = ui?.get('/index.html');
  const serveIndex = (c: Context) => (index ? c.body(index.body as Uint8Array<ArrayBuffer>, 200, { ...HTML_HEADERS, 'content-type': index.type }) : notBuilt(c));
  for (const path of ['/', '/index.html', ...UI_SECTIONS.flatMap((section) => [`/${section}`, `/${section}/*`])]) app.get(path, serveIndex);

  for (const [path, file] of ui ?? []) {
    if (path === '/index.html') continue;
    app.get(path, (c) => c.body(file.body as Uint8Array<ArrayBuffer>, 200, { ...ASSET_HEADERS, 'content-type': file.type }));
  }
}
