import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { rename } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TfState } from './state.js';
import { writeRunnerFile } from './tool-files.js';
import { TERRAFORM_DEFAULTS } from './defaults.js';

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
    /** A state bigger than this is refused with 413 (Terraform then keeps `errored.tfstate`). */
    private readonly maxStateBytes: number = TERRAFORM_DEFAULTS.maxStateBytes,
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
      if (Number(req.headers['content-length'] ?? 0) > this.maxStateBytes) return tooLarge(req, res);
      // One write at a time, in arrival order: each is a compare-and-set on the one before. The body is
      // read inside the queue, so writes waiting their turn are not buffered (TCP holds them back).
      const outcome = this.queue.then(async (): Promise<[number, string] | null> => {
        const body = await readBody(req, this.maxStateBytes);
        if (body === null) return null;
        const sent = req.headers['content-md5'];
        if (typeof sent === 'string' && sent !== md5(body)) return [400, 'Content-MD5 mismatch'];
        return this.accept(body);
      });
      this.queue = outcome.catch(() => undefined);
      const result = await outcome;
      if (result === null) return tooLarge(req, res);
      reply(res, result[0], result[1]);
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
    await writeRunnerFile(tmp, body);
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

/** 413, then the connection is closed: the rest of the body is never read. */
function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  if (res.headersSent) return void req.destroy();
  res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' });
  res.end('state too large', () => req.destroy());
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
