import pRetry, { AbortError } from 'p-retry';
import { z } from 'zod';
import { CodeSourceError, type CodeRequest, type CodeSource, type Format, type KnownFormat } from '@iac-orchestrator/core';

/** The file a generator's single `output.code` becomes, by format. */
export const MAIN_FILE_BY_FORMAT: Record<KnownFormat, string> & Partial<Record<Format, string>> = {
  terraform: 'main.tf',
  bicep: 'main.bicep',
  cloudformation: 'template.yaml',
};

/** What `GET /api/generate/:jobId` answers (the IaC generator's contract); unknown fields are ignored. */
export const GenerationJobSchema = z.object({
  id: z.string().optional(),
  blueprintId: z.string().optional(),
  targetFormat: z.string().optional(),
  status: z.enum(['pending', 'processing', 'completed', 'failed']),
  output: z
    .object({
      code: z.string().nullish(),
      files: z.array(z.object({ name: z.string(), content: z.string(), type: z.string().nullish() })).nullish(),
    })
    .nullish(),
  error: z.string().nullish(),
});
export type GenerationJob = z.infer<typeof GenerationJobSchema>;

export interface HttpGeneratorCodeSourceOptions {
  /** `IAC_GENERATOR_URL`, e.g. `http://iac-generator:3002`. */
  baseUrl: string;
  /** Timeout of one request, ms. Default 10 s. */
  timeoutMs?: number;
  /** Retries after the first attempt on network errors and 5xx. Default 3. */
  retries?: number;
  /** Delay before the first retry, ms; doubles each time. Default 250. */
  minRetryDelayMs?: number;
  /** Largest response body accepted, bytes. Default 8 MiB. */
  maxResponseBytes?: number;
  fetch?: typeof globalThis.fetch;
}

const PREFIX = 'Failed to fetch generated code';

/**
 * Resolves `generationJobId` through the IaC generator: `GET {baseUrl}/api/generate/:jobId`. Inline
 * `files` in the request win. Uses `output.files` when present, else `output.code` as the format's main
 * file. Network errors and 5xx are retried with exponential backoff; 404 and a job that is not completed
 * fail at once with a clear message.
 */
export class HttpGeneratorCodeSource implements CodeSource {
  private readonly base: URL;
  private readonly fetchImpl: typeof globalThis.fetch;

  constructor(private readonly opts: HttpGeneratorCodeSourceOptions) {
    this.base = new URL(opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`);
    this.fetchImpl = opts.fetch ?? globalThis.fetch;
  }

  async resolve(request: CodeRequest, signal?: AbortSignal): Promise<Record<string, string>> {
    if (request.files) return request.files;
    const jobId = request.generationJobId;
    if (!jobId) throw new CodeSourceError(`${PREFIX}: no generationJobId given`, false, { reason: 'not_found' });
    const job = await this.fetchJob(jobId, signal);
    return filesOf(job, request.format);
  }

  /** Fetches a job, retrying what may pass (network, timeouts, 5xx, 429). */
  async fetchJob(jobId: string, signal?: AbortSignal): Promise<GenerationJob> {
    const url = new URL(`api/generate/${encodeURIComponent(jobId)}`, this.base);
    try {
      return await pRetry(() => this.attempt(url, signal), {
        retries: this.opts.retries ?? 3,
        minTimeout: this.opts.minRetryDelayMs ?? 250,
        factor: 2,
        signal,
      });
    } catch (e) {
      if (e instanceof CodeSourceError) throw e;
      if (signal?.aborted) throw signal.reason ?? e;
      // Out of retries on a transport failure: name the cause, never the URL's credentials if any.
      throw new CodeSourceError(`${PREFIX}: ${describeCause(e)}`, true, { reason: 'upstream' });
    }
  }

  private async attempt(url: URL, signal?: AbortSignal): Promise<GenerationJob> {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 10_000);
    const res = await this.fetchImpl(url, {
      headers: { accept: 'application/json' },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (res.status === 404) {
      await res.body?.cancel();
      throw new AbortError(new CodeSourceError(`${PREFIX}: Job not found`, false, { reason: 'not_found' }));
    }
    if (res.status >= 500 || res.status === 429) {
      await res.body?.cancel();
      throw new CodeSourceError(`${PREFIX}: generator answered HTTP ${res.status}`, true, { reason: 'upstream' });
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new AbortError(new CodeSourceError(`${PREFIX}: generator answered HTTP ${res.status}`, true, { reason: 'upstream' }));
    }
    const text = await readLimited(res, this.opts.maxResponseBytes ?? 8 * 1024 * 1024);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AbortError(new CodeSourceError(`${PREFIX}: generator answered invalid JSON`, true, { reason: 'upstream' }));
    }
    const parsed = GenerationJobSchema.safeParse(json);
    if (!parsed.success) {
      throw new AbortError(new CodeSourceError(`${PREFIX}: generator answered an unexpected job shape`, true, { reason: 'upstream' }));
    }
    return parsed.data;
  }
}

/** The files of a completed job; a job in any other status is a clear error. */
export function filesOf(job: GenerationJob, format: Format): Record<string, string> {
  if (job.status === 'failed') {
    throw new CodeSourceError(`${PREFIX}: generation job failed${job.error ? `: ${job.error}` : ''}`, false, { reason: 'job_failed' });
  }
  if (job.status !== 'completed') {
    throw new CodeSourceError(`${PREFIX}: generation job is ${job.status}, not completed`, false, { reason: 'not_completed' });
  }
  const files = job.output?.files;
  if (files && files.length > 0) {
    const out: Record<string, string> = {};
    for (const f of files) out[f.name] = f.content;
    return out;
  }
  if (typeof job.output?.code === 'string' && job.output.code.length > 0) {
    const main = MAIN_FILE_BY_FORMAT[format];
    if (!main) throw new CodeSourceError(`${PREFIX}: a single output.code has no known file name for format "${format}"; the generator must send output.files`, false, { reason: 'no_files' });
    return { [main]: job.output.code };
  }
  throw new CodeSourceError(`${PREFIX}: generation job has no output`, false, { reason: 'not_completed' });
}

/**
 * Reads a response body up to `max` bytes, streaming: a declared length above the cap is refused before
 * reading, and an undeclared one is cut (the connection cancelled) as soon as the cap is passed, so a
 * generator that answers with gigabytes costs at most `max` bytes of memory.
 */
async function readLimited(res: Response, max: number): Promise<string> {
  const tooLarge = () => new AbortError(new CodeSourceError(`${PREFIX}: generator response is larger than ${max} bytes`, true, { reason: 'upstream' }));
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await res.body?.cancel();
    throw tooLarge();
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

function describeCause(e: unknown): string {
  if (e instanceof Error) {
    if (e.name === 'TimeoutError') return 'generator did not answer in time';
    const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
    if (cause && typeof cause.code === 'string') return `generator unreachable (${cause.code})`;
    return `generator unreachable (${e.message})`;
  }
  return 'generator unreachable';
}
