import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What it answered. */
  status: number;
}

/**
 * A real HTTP receiver on 127.0.0.1 (port 0). Per path: answer 500 to the first `failFirst` requests (or
 * to every one with `alwaysFail`), then 204. Records every request with its raw body.
 */
export class Receiver {
  readonly received: Received[] = [];
  private readonly server: Server;
  private readonly behaviour = new Map<string, { failFirst?: number; alwaysFail?: boolean }>();
  url = '';

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const seen = this.received.filter((r) => r.path === path).length;
        const b = this.behaviour.get(path) ?? {};
        const status = b.alwaysFail || seen < (b.failFirst ?? 0) ? 500 : 204;
        this.received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
        res.writeHead(status).end();
      });
    });
  }

  on(path: string, behaviour: { failFirst?: number; alwaysFail?: boolean }): string {
    this.behaviour.set(path, behaviour);
    return `${this.url}${path}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Requests to `path` that it accepted (2xx), in arrival order. */
  accepted(path: string): Received[] {
    return this.received.filter((r) => r.path === path && r.status < 300);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
