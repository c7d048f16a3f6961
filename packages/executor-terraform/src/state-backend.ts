import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TfState } from './state.js';

/** A state bigger than this is refused (Terraform then keeps `errored.tfstate` in the work dir). */
const MAX_STATE_BYTES = 512 * 1024 * 1024;

/** What the child needs to reach the backend: all of it goes through the environment, never a file. */
export interface StateBackendEnv {
  TF_HTTP_ADDRESS: string;
  TF_HTTP_USERNAME: string;
  TF_HTTP_PASSWORD: string;
  /** Retries of a failed write (Terraform's default is 2; the writes are idempotent here). */
  TF_HTTP_RETRY_MAX: string;
  TF_HTTP_RETRY_WAIT_MIN: string;
}

/** Called for each new snapshot; a rejection refuses the write (Terraform then stops the apply). */
export type SnapshotHandler = (state: TfState) => Promise<void>;

/**
 * Terraform's HTTP state backend, served by the runner to its own child only: bound to 127.0.0.1 on a
 * random port, one URL, a one-run secret (basic auth, given as `TF_HTTP_USERNAME/PASSWORD`). `GET` serves
 * the stack's state; each `POST` (Terraform ≥ 1.5 persists during the apply, at most every 20 s, and at
 * once after SIGINT) is kept, written to `spoolFile` for recovery on this machine, then handed to
 * `onSnapshot`, which saves it in the store before Terraform gets its answer.
 */
export class StateBackend {
  private server: Server | undefined;
  private readonly password = randomBytes(32).toString('base64url');
  private readonly username = 'orchestrator';
  private current: { state: TfState; body: string } | null;
  /** The current snapshot was written here but its hand-over to the store failed: a resend retries it. */
  private unsaved = false;
  private queue: Promise<unknown> = Promise.resolve();
  /** How many snapshots Terraform wrote (idempotent repeats not counted). */
  writes = 0;

  constructor(
    initial: unknown,
    private readonly spoolFile: string,
    private readonly onSnapshot?: SnapshotHandler,
  ) {
    this.current = initial && typeof initial === 'object' ? { state: initial as TfState, body: JSON.stringify(initial) } : null;
  }

  /** The newest state: what Terraform last wrote, or the stack's state it started from. */
  get state(): TfState | null {
    return this.current?.state ?? null;
  }

  async start(): Promise<StateBackendEnv> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const { port } = server.address() as AddressInfo;
    return {
      TF_HTTP_ADDRESS: `http://127.0.0.1:${port}/state`,
      TF_HTTP_USERNAME: this.username,
      TF_HTTP_PASSWORD: this.password,
      TF_HTTP_RETRY_MAX: '2',
      TF_HTTP_RETRY_WAIT_MIN: '1',
    };
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (!this.authorised(req.headers.authorization)) return reply(res, 401, 'unauthorised');
      if (new URL(req.url ?? '/', 'http://x').pathname !== '/state') return reply(res, 404, 'not found');
      if (req.method === 'GET') {
        if (!this.current) return reply(res, 204, '');
        res.writeHead(200, { 'content-type': 'application/json', 'content-md5': md5(this.current.body) });
        return void res.end(this.current.body);
      }
      if (req.method !== 'POST') return reply(res, 405, 'method not allowed');
      const body = await readBody(req);
      if (body === null) return reply(res, 413, 'state too large');
      const sent = req.headers['content-md5'];
      if (typeof sent === 'string' && sent !== md5(body)) return reply(res, 400, 'Content-MD5 mismatch');
      // One write at a time, in arrival order: each is a compare-and-set on the one before.
      const outcome = this.queue.then(() => this.accept(body));
      this.queue = outcome.catch(() => undefined);
      const [status, message] = await outcome;
      reply(res, status, message);
    } catch (e) {
      reply(res, 500, e instanceof Error ? e.message : 'error');
    }
  }

  private async accept(body: string): Promise<[number, string]> {
    let state: TfState;
    try {
      state = JSON.parse(body) as TfState;
    } catch {
      return [400, 'the body is not JSON'];
    }
    const prev = this.current?.state;
    if (prev && prev.lineage === state.lineage && prev.serial === state.serial) {
      // A retried write (go-retryablehttp resends after a timeout): same content is a success, nothing new stored.
      if (this.current!.body !== body) return [409, `serial ${state.serial} was already written with other content`];
      return this.unsaved ? this.save(state) : [200, 'unchanged'];
    }
    if (prev?.lineage && state.lineage !== prev.lineage && this.writes > 0) return [409, 'this state belongs to another lineage'];
    if (prev && typeof prev.serial === 'number' && typeof state.serial === 'number' && state.serial < prev.serial && state.lineage === prev.lineage) {
      return [409, `serial ${state.serial} is older than the stored ${prev.serial}`];
    }
    // On this machine first (0600, atomically), so a runner killed during the store write loses nothing.
    const tmp = `${this.spoolFile}.tmp`;
    await writeFile(tmp, body, { mode: 0o600 });
    await rename(tmp, this.spoolFile);
    this.current = { state, body };
    this.writes++;
    return this.save(state);
  }

  private async save(state: TfState): Promise<[number, string]> {
    try {
      await this.onSnapshot?.(state);
      this.unsaved = false;
      return [200, 'saved'];
    } catch (e) {
      this.unsaved = true;
      return [423, `the state could not be saved: ${e instanceof Error ? e.message : String(e)}`];
    }
  }

  private authorised(header: string | undefined): boolean {
    if (!header?.startsWith('Basic ')) return false;
    const given = Buffer.from(header.slice(6), 'base64');
    const expected = Buffer.from(`${this.username}:${this.password}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

function md5(body: string): string {
  return createHash('md5').update(body).digest('base64');
}

function reply(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(message);
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_STATE_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
