import { request } from 'node:http';

/**
 * One HTTP request with full control over the headers (fetch forbids setting `Host`): what a browser
 * after DNS rebinding, or a hand-written client, would send.
 */
export function rawRequest(url: string, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: any; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, body, text });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** What a store holds, through the memory store's own maps (to assert that a refused request stored nothing). */
export function storedCounts(store: unknown): { deployments: number; bundles: number; plans: number } {
  const s = store as { deployments: Map<string, unknown>; bundles: Map<string, unknown>; plans: Map<string, unknown> };
  return { deployments: s.deployments.size, bundles: s.bundles.size, plans: s.plans.size };
}
