import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, OrchestratorClient } from '../src/client/index.js';
import { buildOpenApiDocument } from '../src/openapi.js';
import { ApiHarness, TOKENS } from './support/harness.js';

const operationIds = () => {
  const doc = buildOpenApiDocument() as { paths: Record<string, Record<string, { operationId: string }>> };
  // Operations another service calls (`x-caller`, e.g. Slack's actions) have no client method.
  return Object.values(doc.paths).flatMap((m) => Object.values(m).filter((o) => !('x-caller' in o)).map((o) => o.operationId));
};

describe('the typed client follows the OpenAPI document', () => {
  it('has exactly one method per operationId (and no other public method but streamLogs)', () => {
    const methods = Object.getOwnPropertyNames(OrchestratorClient.prototype).filter((n) => n !== 'constructor' && !['headers', 'url', 'request'].includes(n));
    expect(methods.filter((m) => m !== 'streamLogs').sort()).toEqual(operationIds().sort());
  });

  describe('against the real server', () => {
    const h = new ApiHarness();
    beforeAll(() => h.start());
    afterAll(() => h.stop());

    it('GET /api/me tells each token its role and whether it may approve', async () => {
      const as = (role: keyof typeof TOKENS) => new OrchestratorClient({ baseUrl: h.url, token: TOKENS[role] }).getMe();
      expect(await as('viewer')).toEqual({ name: 'viewer-user', role: 'viewer', canApprove: false });
      expect(await as('deployer')).toEqual({ name: 'deployer-user', role: 'deployer', canApprove: false });
      expect(await as('approver')).toEqual({ name: 'approver-user', role: 'approver', canApprove: true });
      expect(await as('admin')).toEqual({ name: 'admin-user', role: 'admin', canApprove: true });
      const anonymous = new OrchestratorClient({ baseUrl: h.url }).getMe();
      await expect(anonymous).rejects.toBeInstanceOf(ApiError);
      await expect(anonymous).rejects.toMatchObject({ status: 401 });
    });

    it('errors carry the status, the message and the field of the service', async () => {
      const c = new OrchestratorClient({ baseUrl: h.url, token: TOKENS.deployer });
      const e = await c.startDeployment({ blueprintId: 'x', environment: 'dev', targetCloud: 'azure', format: 'terraform' } as never).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ApiError);
      expect(e).toMatchObject({ status: 400, field: 'generationJobId', message: expect.stringMatching(/generationJobId/) });
      expect((await c.getOpenApiDocument()).openapi).toBe('3.1.0');
      expect(await c.getHealth()).toEqual({ status: 'ok' });
    });
  });
});
