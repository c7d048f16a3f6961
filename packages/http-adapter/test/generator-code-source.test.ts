import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CodeSourceError } from '@iac-orchestrator/core';
import { HttpGeneratorCodeSource } from '../src/generator-code-source.js';
import { codeSourceStatus } from '../src/http-errors.js';
import { StubGenerator } from './support/stub-generator.js';

const request = (generationJobId: string, format: 'terraform' | 'bicep' | 'cloudformation' = 'terraform') => ({ blueprintId: 'bp', generationJobId, format });

async function failure(p: Promise<unknown>): Promise<CodeSourceError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CodeSourceError);
  return e as CodeSourceError;
}

describe('HttpGeneratorCodeSource against a real HTTP generator stub', () => {
  const gen = new StubGenerator();
  let source: HttpGeneratorCodeSource;

  beforeAll(async () => {
    await gen.start();
    source = new HttpGeneratorCodeSource({ baseUrl: gen.url, retries: 2, minRetryDelayMs: 10, timeoutMs: 500 });
  });
  afterAll(() => gen.close());
  beforeEach(() => {
    gen.faults.length = 0;
    gen.requests = 0;
  });

  it('uses output.files when the job lists files', async () => {
    gen.addFilesJob('files-job', { 'main.tf': 'a', 'modules/net/main.tf': 'b' });
    expect(await source.resolve(request('files-job'))).toEqual({ 'main.tf': 'a', 'modules/net/main.tf': 'b' });
  });

  it('otherwise names output.code main.tf, main.bicep or template.yaml by format', async () => {
    gen.addCodeJob('code-job', 'CODE');
    expect(await source.resolve(request('code-job', 'terraform'))).toEqual({ 'main.tf': 'CODE' });
    expect(await source.resolve(request('code-job', 'bicep'))).toEqual({ 'main.bicep': 'CODE' });
    expect(await source.resolve(request('code-job', 'cloudformation'))).toEqual({ 'template.yaml': 'CODE' });
  });

  it('inline files win and the generator is not asked', async () => {
    expect(await source.resolve({ ...request('whatever'), files: { 'x.tf': 'y' } })).toEqual({ 'x.tf': 'y' });
    expect(gen.requests).toBe(0);
  });

  it('a missing job gives the spec message, at once, as a 404', async () => {
    const e = await failure(source.resolve(request('no-such-job')));
    expect(e.message).toBe('Failed to fetch generated code: Job not found');
    expect(codeSourceStatus(e)).toBe(404);
    expect(gen.requests).toBe(1);
  });

  it('a job not completed is a clear 422, not retried', async () => {
    const job = gen.addCodeJob('pending-job', 'x');
    job.status = 'processing';
    job.output = null;
    const e = await failure(source.resolve(request('pending-job')));
    expect(e.message).toBe('Failed to fetch generated code: generation job is processing, not completed');
    expect(codeSourceStatus(e)).toBe(422);
    expect(gen.requests).toBe(1);
  });

  it('a failed job carries its error', async () => {
    const job = gen.addCodeJob('failed-job', 'x');
    job.status = 'failed';
    job.error = 'template error';
    const e = await failure(source.resolve(request('failed-job')));
    expect(e.message).toBe('Failed to fetch generated code: generation job failed: template error');
    expect(codeSourceStatus(e)).toBe(422);
  });

  it('retries 5xx with backoff and succeeds when the generator recovers', async () => {
    gen.addCodeJob('flaky-job', 'OK');
    gen.faults.push(503, 500);
    expect(await source.resolve(request('flaky-job'))).toEqual({ 'main.tf': 'OK' });
    expect(gen.requests).toBe(3);
  });

  it('gives up after its retries with the cause, as a 502', async () => {
    gen.addCodeJob('down-job', 'OK');
    gen.faults.push(503, 503, 503, 503);
    const e = await failure(source.resolve(request('down-job')));
    expect(e.message).toBe('Failed to fetch generated code: generator answered HTTP 503');
    expect(e.upstream).toBe(true);
    expect(codeSourceStatus(e)).toBe(502);
    expect(gen.requests).toBe(3);
  });

  it('times out a request that never answers, and retries it', async () => {
    gen.addCodeJob('slow-job', 'LATE');
    gen.faults.push('hang');
    expect(await source.resolve(request('slow-job'))).toEqual({ 'main.tf': 'LATE' });
    expect(gen.requests).toBe(2);
  });

  it('a generator that cannot be reached fails with the network cause after retries', async () => {
    const closed = new StubGenerator();
    await closed.start();
    const url = closed.url;
    await closed.close();
    const s = new HttpGeneratorCodeSource({ baseUrl: url, retries: 1, minRetryDelayMs: 10, timeoutMs: 500 });
    const e = await failure(s.resolve(request('any')));
    expect(e.message).toBe('Failed to fetch generated code: generator unreachable (ECONNREFUSED)');
    expect(codeSourceStatus(e)).toBe(502);
  });

  it('an unexpected answer shape is an upstream error, not retried', async () => {
    gen.faults.push(200);
    const e = await failure(source.resolve(request('code-job')));
    expect(e.message).toBe('Failed to fetch generated code: generator answered an unexpected job shape');
    expect(gen.requests).toBe(1);
  });
});
