import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODE_REQUIRED_MESSAGE, REQUIRED_IDS_MESSAGE } from '@iac-orchestrator/core';
import { ApiHarness, deployBody, terraformAvailable } from './support/harness.js';
import { StubGenerator, terraformCode } from './support/stub-generator.js';

/** Bad input gets a clear 4xx with the spec's messages, the field named, never a stack trace, nothing stored. */
describe.skipIf(!terraformAvailable())('REST errors', () => {
  const gen = new StubGenerator();
  const api = new ApiHarness();

  beforeAll(async () => {
    await gen.start();
    gen.addCodeJob('gen-ok', terraformCode());
    const pending = gen.addCodeJob('gen-pending', 'x');
    pending.status = 'pending';
    pending.output = null;
    await api.start({ generatorUrl: gen.url, maxBodyBytes: 64 * 1024 });
  });
  afterAll(async () => {
    await api.stop();
    await gen.close();
  });

  const deploy = (body: unknown, headers?: Record<string, string>) => api.call('POST', '/api/deployments', { role: 'deployer', body, headers });

  async function expectNothingStored() {
    expect((await api.call('GET', '/api/deployments', { role: 'viewer' })).body.deployments).toEqual([]);
  }

  it('blueprintId or generationJobId missing → the spec message, with the field', async () => {
    const { blueprintId: _b, ...noBlueprint } = deployBody({ generationJobId: 'gen-ok' });
    expect(await deploy(noBlueprint)).toMatchObject({ status: 400, body: { error: REQUIRED_IDS_MESSAGE, field: 'blueprintId' } });
    expect(await deploy(deployBody())).toMatchObject({ status: 400, body: { error: CODE_REQUIRED_MESSAGE, field: 'generationJobId' } });
    expect(CODE_REQUIRED_MESSAGE).toMatch(/generationJobId.*files/);
    expect(await deploy({})).toMatchObject({ status: 400, body: { error: 'blueprintId and generationJobId are required' } });
    await expectNothingStored();
  });

  it('an unknown generation job → 404 "Failed to fetch generated code: Job not found"', async () => {
    expect(await deploy(deployBody({ generationJobId: 'no-such-job' }))).toEqual(
      expect.objectContaining({ status: 404, body: { error: 'Failed to fetch generated code: Job not found' } }),
    );
    await expectNothingStored();
  });

  it('a job not completed → 422; a generator down → 502 after retries', async () => {
    expect(await deploy(deployBody({ generationJobId: 'gen-pending' }))).toMatchObject({
      status: 422,
      body: { error: 'Failed to fetch generated code: generation job is pending, not completed' },
    });
    gen.faults.push(503, 503, 503);
    expect(await deploy(deployBody({ generationJobId: 'gen-ok' }))).toMatchObject({ status: 502, body: { error: 'Failed to fetch generated code: generator answered HTTP 503' } });
    await expectNothingStored();
  });

  it('invalid fields → 400 naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [deployBody({ generationJobId: 'gen-ok', environment: '../etc' }), 'environment'],
      [deployBody({ generationJobId: 'gen-ok', targetCloud: 'Mars!' }), 'targetCloud'],
      [deployBody({ generationJobId: 'gen-ok', format: 'pulumi' }), 'format'],
      [deployBody({ generationJobId: 'gen-ok', options: { parallelism: 0 } }), 'options.parallelism'],
      [deployBody({ generationJobId: 'gen-ok', options: { autoApprove: 'yes' } }), 'options.autoApprove'],
      [deployBody({ generationJobId: 'gen-ok', surprise: 1 }), 'surprise'],
      [deployBody({ files: { '../evil.tf': 'x' } }), 'files.../evil.tf'],
      [deployBody({ files: {} }), 'files'],
    ];
    for (const [body, field] of cases) {
      const r = await deploy(body);
      expect(r.status, field).toBe(400);
      expect(r.body.field, field).toBe(field);
      expect(r.body.error).toEqual(expect.any(String));
      expect(JSON.stringify(r.body)).not.toMatch(/\n\s+at /);
    }
    await expectNothingStored();
  });

  it('malformed JSON → 400, non-JSON → 415, oversized → 413', async () => {
    expect(await deploy('{"blueprintId":', { 'content-type': 'application/json' })).toMatchObject({ status: 400, body: { error: 'Request body is not valid JSON' } });
    expect(await deploy('[1,2]')).toMatchObject({ status: 400, body: { error: 'Request body must be a JSON object' } });
    expect(await deploy('{"__proto__":{"x":1}}')).toMatchObject({ status: 400 });
    expect(await deploy('blueprintId=abc', { 'content-type': 'text/plain' })).toMatchObject({ status: 415, body: { error: 'Request body must be JSON (Content-Type: application/json)' } });
    expect(await deploy('<xml/>', { 'content-type': 'application/xml' })).toMatchObject({ status: 415 });
    const big = deployBody({ files: { 'main.tf': 'x'.repeat(100 * 1024) } });
    expect(await deploy(big)).toMatchObject({ status: 413, body: { error: 'Request body is too large' } });
    await expectNothingStored();
  });

  it("curl -d without a content type (form-urlencoded) is read as JSON, but not from a browser page", async () => {
    const body = JSON.stringify(deployBody({ files: { 'main.tf': terraformCode() }, environment: 'curl' }));
    const fromCurl = await deploy(body, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(fromCurl.status).toBe(202);
    await api.waitForStatus(fromCurl.body.deploymentId, ['completed', 'failed']);
    const fromPage = await deploy(body, { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' });
    expect(fromPage).toMatchObject({ status: 415 });
    expect(await deploy('a=b', { 'content-type': 'application/x-www-form-urlencoded' })).toMatchObject({ status: 415 });
  });

  it('unknown deployments → 404; bad ids and queries → 400', async () => {
    expect(await api.call('GET', '/api/deployments/does-not-exist')).toMatchObject({ status: 404, body: { error: 'Deployment does-not-exist not found' } });
    for (const path of ['logs', 'state', 'state/history']) {
      expect((await api.call('GET', `/api/deployments/nope/${path}`)).status, path).toBe(404);
    }
    for (const path of ['cancel', 'approve', 'reject', 'drift', 'destroy']) {
      expect((await api.call('POST', `/api/deployments/nope/${path}`)).status, path).toBe(404);
    }
    expect((await api.call('GET', '/api/deployments/a%20b')).status).toBe(400);
    expect(await api.call('GET', '/api/deployments?limit=abc')).toMatchObject({ status: 400, body: { field: 'limit' } });
    expect(await api.call('GET', '/api/deployments?status=exploded')).toMatchObject({ status: 400, body: { field: 'status' } });
    expect(await api.call('GET', '/api/deployments?sort=x')).toMatchObject({ status: 400, body: { field: 'sort' } });
    expect(await api.call('POST', '/api/deployments/nope/rollback', { body: { targetVersion: 'five' } })).toMatchObject({ status: 400, body: { field: 'targetVersion' } });
    expect(await api.call('POST', '/api/deployments/nope/rollback', { body: {} })).toMatchObject({ status: 400, body: { field: 'targetVersion', error: 'targetVersion: is required' } });
    expect(await api.call('GET', '/no/such/route')).toMatchObject({ status: 404, body: { error: 'Not found' } });
  });

  it('no token → 401, unknown token → 401, a role too low → 403', async () => {
    const noToken = await api.call('GET', '/api/deployments', { role: null });
    expect(noToken).toMatchObject({ status: 401, body: { error: 'Authentication required: send Authorization: Bearer <token>' } });
    expect(noToken.headers.get('www-authenticate')).toBe('Bearer');
    expect(await api.call('GET', '/api/deployments', { role: null, headers: { authorization: 'Bearer not-a-real-token-123456' } })).toMatchObject({ status: 401, body: { error: 'Invalid token' } });
    expect(await api.call('POST', '/api/deployments', { role: 'viewer', body: deployBody({ generationJobId: 'gen-ok' }) })).toMatchObject({
      status: 403,
      body: { error: 'This action needs the deployer role' },
    });
    // Health, readiness, metrics and the OpenAPI document stay public for probes and scrapers.
    for (const p of ['/health', '/ready', '/metrics', '/openapi.json']) expect((await api.call('GET', p, { role: null })).status, p).toBe(200);
  });
});
