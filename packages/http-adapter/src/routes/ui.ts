import type { FastifyInstance } from 'fastify';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The web console's built files (Vite, `npm run build` → dist/ui), served at `/ui` from memory. Public
 * like the OpenAPI document: the page holds no data; every API call it makes carries the tab's token.
 */

/** Where the built console is: beside the bundled entry (dist/ui), or dist/ui seen from src/routes. */
export function defaultUiDir(): string | null {
  // In the CJS build `__dirname` exists; in ESM (and under tsx) it comes from import.meta.url.
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, 'ui'), join(here, '../../dist/ui'), join(here, '../dist/ui')]) {
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return null;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/**
 * No inline script or style, nothing from another origin, no framing; API calls go to this origin only.
 * (`data:` images only for the empty favicon.)
 */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  body: Buffer;
  type: string;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else assets.set(relative(dir, full).split(sep).join('/'), { body: readFileSync(full), type: TYPES[extname(name)] ?? 'application/octet-stream' });
    }
  };
  walk(dir);
  return assets;
}

/** Registers `/ui` (the console) when its built files exist; returns whether it did. */
export function uiRoutes(app: FastifyInstance, dir: string | null = defaultUiDir()): boolean {
  if (!dir || !existsSync(join(dir, 'index.html'))) {
    app.log.warn('web console not built (npm run build): /ui is not served');
    return false;
  }
  const assets = loadAssets(dir);
  const send = (path: string, reply: import('fastify').FastifyReply) => {
    const a = assets.get(path);
    if (!a) return reply.code(404).send({ error: 'Not found' });
    // Hashed asset names never change content; the page itself is re-read on every visit.
    const cache = path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    return reply
      .header('content-security-policy', UI_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('cache-control', cache)
      .type(a.type)
      .send(a.body);
  };
  // The server ignores trailing slashes, so this answers /ui too: sent on to /ui/, since the page's asset
  // URLs are relative (the console works under any mount prefix).
  const page = (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    const [path, query] = req.url.split('?', 2);
    if (!path.endsWith('/')) return reply.redirect(`${path}/${query !== undefined ? `?${query}` : ''}`);
    return send('index.html', reply);
  };
  app.get('/ui/', page);
  try {
    // A host app that minds trailing slashes (the adapter mounted as a plugin) needs /ui on its own.
    app.get('/ui', page);
  } catch (e) {
    if ((e as { code?: string }).code !== 'FST_ERR_DUPLICATED_ROUTE') throw e;
  }
  app.get<{ Params: { '*': string } }>('/ui/*', (req, reply) => send(req.params['*'], reply));
  return true;
}
