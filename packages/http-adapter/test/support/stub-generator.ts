import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A job as the IaC generator stores it (its `GET /api/generate/:jobId` contract). */
export interface StubJob {
  id: string;
  blueprintId: string;
  targetFormat: string;
  status: 'pending' | 'processing' | 'completed' | 'failed';
  output: { code: string; files: Array<{ name: string; content: string; type: string }> } | null;
  error: string | null;
}

/**
 * A small stand-in for the IaC generator service, speaking its HTTP contract on a real socket:
 * `POST /api/generate {blueprintId, targetFormat}` → `{jobId}` (the job is `processing` on its first read,
 * then `completed`), and `GET /api/generate/:jobId` → the job, or 404. Tests can queue failures (5xx,
 * hangs) to exercise retries and timeouts.
 */
export class StubGenerator {
  readonly jobs = new Map<string, StubJob>();
  /** Code the generator "generates" per blueprint for `POST /api/generate`. */
  readonly blueprints = new Map<string, string>();
  /** Responses to give before serving normally: an HTTP status, or 'hang' (never answer). */
  readonly faults: Array<number | 'hang'> = [];
  requests = 0;
  private server: Server | null = null;
  private seq = 0;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Adds a completed job whose output is a single `code`. */
  addCodeJob(id: string, code: string, format = 'terraform'): StubJob {
    const job: StubJob = { id, blueprintId: 'bp', targetFormat: format, status: 'completed', output: { code, files: [] }, error: null };
    this.jobs.set(id, job);
    return job;
  }

  /** Adds a completed job whose output lists files. */
  addFilesJob(id: string, files: Record<string, string>, format = 'terraform'): StubJob {
    const job: StubJob = {
      id,
      blueprintId: 'bp',
      targetFormat: format,
      status: 'completed',
      output: { code: '', files: Object.entries(files).map(([name, content]) => ({ name, content, type: format })) },
      error: null,
    };
    this.jobs.set(id, job);
    return job;
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    this.requests++;
    const fault = this.faults.shift();
    if (fault === 'hang') return; // never answers: the client's timeout must fire
    if (typeof fault === 'number') {
      res.writeHead(fault, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'injected fault' }));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://stub');
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method === 'POST' && url.pathname === '/api/generate') {
      const body = JSON.parse((await readBody(req)) || '{}') as { blueprintId?: string; targetFormat?: string };
      const code = body.blueprintId ? this.blueprints.get(body.blueprintId) : undefined;
      if (!code) return send(400, { error: 'unknown blueprint' });
      const id = `gen-${++this.seq}`;
      this.jobs.set(id, { id, blueprintId: body.blueprintId!, targetFormat: body.targetFormat ?? 'terraform', status: 'pending', output: null, error: null });
      // Completes on its second read, so a client's wait loop really waits once.
      this.pendingCode.set(id, code);
      return send(202, { jobId: id, status: 'pending' });
    }
    const m = /^\/api\/generate\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      const id = decodeURIComponent(m[1]);
      const job = this.jobs.get(id);
      if (!job) return send(404, { error: 'Job not found' });
      const code = this.pendingCode.get(id);
      if (code !== undefined) {
        if (job.status === 'pending') job.status = 'processing';
        else {
          job.status = 'completed';
          job.output = { code, files: [] };
          this.pendingCode.delete(id);
        }
      }
      return send(200, job);
    }
    send(404, { error: 'Not found' });
  }

  private readonly pendingCode = new Map<string, string>();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (s += c));
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
}

/** Terraform code that needs no provider download: `terraform_data` resources and outputs. */
export function terraformCode(opts: { vmName?: string; ip?: string; extra?: number } = {}): string {
  const lines = [
    `resource "terraform_data" "web" {\n  input = "${opts.vmName ?? 'web-vm-01'}"\n}`,
    `resource "terraform_data" "rg" {\n  input = "prod-rg"\n}`,
    ...Array.from({ length: opts.extra ?? 0 }, (_, i) => `resource "terraform_data" "extra_${i}" {\n  input = "extra-${i}"\n}`),
    `output "vm_ip" {\n  value = "${opts.ip ?? '10.0.1.5'}"\n}`,
    `output "resource_group" {\n  value = terraform_data.rg.output\n}`,
  ];
  return `${lines.join('\n\n')}\n`;
}
