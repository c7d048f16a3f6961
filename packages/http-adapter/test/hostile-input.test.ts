import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, deployBody, terraformAvailable } from './support/harness.js';
import { rawRequest, storedCounts } from './support/raw-http.js';
import { terraformCode } from './support/stub-generator.js';

/**
 * Careless and hostile request bodies and URLs (issue 12): each is refused at request time with a 4xx in
 * the service's error shape, naming the field and the real reason, and nothing of it is stored.
 */
describe.skipIf(!terraformAvailable())('REST: bad input is a precise 4xx at request time', () => {
  const api = new ApiHarness();
  beforeAll(async () => {
    await api.start({ maxBodyBytes: 6 * 1024 * 1024 });
  });
  afterAll(() => api.stop());
  afterEach(() => {
    expect(storedCounts(api.orchestrator.store)).toEqual({ deployments: 0, bundles: 0, plans: 0 });
  });

  const files = { 'main.tf': terraformCode() };
  const deploy = (body: unknown) => api.call('POST', '/api/deployments', { role: 'deployer', body });

  it('a wrong-typed field is reported as a wrong type, not as missing', async () => {
    const r = await deploy(deployBody({ blueprintId: 123, files }));
    expect(r.status).toBe(400);
    expect(r.body.field).toBe('blueprintId');
    expect(r.body.error).not.toMatch(/required/);
    expect(r.body.error).toMatch(/^blueprintId: .*expected string, received number/);
    const opt = await deploy(deployBody({ files, options: { autoApprove: 'yes' } }));
    expect(opt).toMatchObject({ status: 400, body: { field: 'options.autoApprove' } });
    expect(opt.body.error).toMatch(/expected boolean/);
  });

  it.each([
    'terraform.tfstate',
    'errored.tfstate',
    'prod.tfstate',
    'terraform.tfstate.backup',
    '.terraform/terraform.tfstate',
    '.terraform/providers/evil',
    'modules/.terraform/x.tf',
    'terraform.tfstate.d/dev/terraform.tfstate',
    'override.tf',
    'backend_override.tf',
    'backend_override.tf.json',
    '.aws/credentials',
    '.terraformrc',
  ])('a file named %s is refused (400, the file named)', async (name) => {
    const r = await deploy(deployBody({ files: { ...files, [name]: '{}' } }));
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: expect.stringContaining(`Invalid file name "${name}"`), field: `files.${name}` });
  });

  it('a lock file of providers is still accepted as code (it is the user\'s, not the tool\'s state)', async () => {
    // Only the check: validation of the name passes, so the request fails later for another reason here.
    const r = await deploy(deployBody({ files: { ...files, '.terraform.lock.hcl': '# lock' }, options: { parallelism: 0 } }));
    expect(r).toMatchObject({ status: 400, body: { field: 'options.parallelism' } });
  });

  it('variables nested too deep or too large: 400 naming the variable, at request time', async () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 40; i++) deep = [deep];
    const r = await deploy(deployBody({ files, options: { variables: { tags: deep } } }));
    expect(r).toMatchObject({ status: 400, body: { field: 'options.variables.tags', error: 'options.variables.tags: nested deeper than 32 levels' } });
    const big = await deploy(deployBody({ files, options: { variables: { blob: 'x'.repeat(2 * 1024 * 1024) } } }));
    expect(big).toMatchObject({ status: 400, body: { field: 'options.variables' } });
    expect(big.body.error).toMatch(/larger than 1048576 bytes/);
  });

  it('a body nested 2,000 deep: a precise 400, not "not valid JSON", and no crashed run later', async () => {
    const body = `{"blueprintId":"a","environment":"dev","targetCloud":"aws","format":"terraform","files":{"main.tf":""},"options":{"variables":{"v":${'['.repeat(2000)}${']'.repeat(2000)}}}}`;
    const r = await deploy(body);
    expect(r).toEqual(expect.objectContaining({ status: 400, body: { error: 'Request body is nested deeper than 64 levels' } }));
  });

  it('a __proto__ key: a precise 400 naming where it is', async () => {
    const body = JSON.stringify(deployBody({ files })).replace('"options":{', '"options":{"variables":{"__proto__":{"polluted":true}},');
    const r = await deploy(body);
    expect(r).toEqual(expect.objectContaining({ status: 400, body: { error: 'Request body: the key "__proto__" is not allowed (in options.variables)' } }));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('more sensitive values than the per-request bound: 400 naming the field', async () => {
    const names = Array.from({ length: 2001 }, (_, i) => `s${i}`);
    const variables = Object.fromEntries(names.map((n) => [n, `secret-${n}-value`]));
    const r = await deploy(deployBody({ files, options: { variables, sensitiveVariables: names } }));
    expect(r).toMatchObject({ status: 400, body: { field: 'options.sensitiveVariables', error: 'options.sensitiveVariables: at most 2000 sensitive variables per request (got 2001)' } });
  });

  it('an oversized id gets the service\'s error shape (400), never a framework body echoing the URL', async () => {
    const long = 'a'.repeat(300);
    for (const path of [`/api/deployments/${long}`, `/api/deployments/${long}/logs`, `/api/deployments/${'b'.repeat(5000)}/state`]) {
      const r = await api.call('GET', path, { role: 'viewer' });
      expect(r).toMatchObject({ status: 400, body: { error: 'id: invalid deployment id (at most 200 characters)', field: 'id' } });
      expect(JSON.stringify(r.body)).not.toContain('aaaa');
    }
    const bad = await rawRequest(api.url, { path: '/api/deployments/%E0%A4%A', headers: { authorization: 'Bearer viewer-token-0123456789abcdef' } });
    expect(bad).toMatchObject({ status: 400, body: { error: 'Invalid URL: malformed percent-encoding' } });
    expect(await api.call('GET', '/api/deployments/no-such-id', { role: 'viewer' })).toMatchObject({ status: 404, body: { error: 'Deployment no-such-id not found' } });
  });
});

/** Without tokens every caller is admin: a browser page must not be able to reach the service (DNS rebinding). */
describe.skipIf(!terraformAvailable())('REST without tokens: DNS-rebinding guard', () => {
  const api = new ApiHarness();
  beforeAll(async () => {
    await api.start({ tokens: false });
  });
  afterAll(() => api.stop());

  const body = JSON.stringify(deployBody({ files: { 'main.tf': terraformCode() } }));
  const post = (headers: Record<string, string>) => rawRequest(api.url, { method: 'POST', path: '/api/deployments', headers: { 'content-type': 'application/json', ...headers }, body });

  it('a foreign Host is refused with 403 and nothing is stored', async () => {
    const r = await post({ host: 'attacker.example' });
    expect(r.status).toBe(403);
    expect(r.body.error).toMatch(/^Host not allowed/);
    expect((await post({ host: 'attacker.example:3004', origin: 'http://attacker.example' })).status).toBe(403);
    expect(storedCounts(api.orchestrator.store)).toEqual({ deployments: 0, bundles: 0, plans: 0 });
  });

  it('a loopback Host with a foreign Origin is refused with 403 and nothing is stored', async () => {
    const port = new URL(api.url).port;
    for (const origin of ['http://attacker.example', 'null', 'https://127.0.0.1.attacker.example']) {
      const r = await post({ host: `127.0.0.1:${port}`, origin });
      expect(r.status).toBe(403);
      expect(r.body.error).toMatch(/^Origin not allowed/);
    }
    expect(storedCounts(api.orchestrator.store)).toEqual({ deployments: 0, bundles: 0, plans: 0 });
  });

  it('local clients still work: loopback names, with or without a loopback Origin', async () => {
    const port = new URL(api.url).port;
    expect((await rawRequest(api.url, { path: '/health', headers: { host: `localhost:${port}` } })).status).toBe(200);
    expect((await rawRequest(api.url, { path: '/api/deployments', headers: { host: `[::1]:${port}` } })).status).toBe(200);
    expect((await rawRequest(api.url, { path: '/api/deployments', headers: { host: `127.0.0.1:${port}`, origin: `http://localhost:5173` } })).status).toBe(200);
    const r = await post({ host: `127.0.0.1:${port}` });
    expect(r.status).toBe(202);
    await api.waitForStatus(r.body.deploymentId, ['completed', 'failed'], 'admin');
  });
});
