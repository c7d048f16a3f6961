import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASK } from '@iac-orchestrator/core';
import { ApiHarness, deployBody, terraformAvailable } from './support/harness.js';

/** Terraform code that echoes its variables back: as plan output, in an error, in outputs. */
const ECHOING = `variable "db_password" {
  type = string
}
variable "api_key" {
  type = string
}
resource "terraform_data" "echo" {
  input = "pw=\${var.db_password} key=\${var.api_key}"
}
output "leak" {
  value = terraform_data.echo.output
}
check "echo" {
  assert {
    condition     = var.db_password == "never"
    error_message = "warning that quotes pw=\${var.db_password}"
  }
}
`;

/**
 * Issue 12, masking: a run's secrets mask that run's logs and records, and live and die with it; the
 * service-wide registry keeps only the service's credentials however many deployments came by.
 */
describe.skipIf(!terraformAvailable())('REST: per-run masking with real terraform', () => {
  const api = new ApiHarness();
  beforeAll(async () => {
    await api.start({ orchestrator: { credentials: { AWS_SECRET_ACCESS_KEY: 'service-wide-credential-0123' } } });
  });
  afterAll(() => api.stop());

  async function deployEchoing(password: string, key: string): Promise<string> {
    const r = await api.call('POST', '/api/deployments', {
      role: 'deployer',
      body: deployBody({ blueprintId: `mask-${key.slice(-4)}`, files: { 'main.tf': ECHOING }, options: { autoApprove: true, variables: { db_password: password, api_key: key }, sensitiveVariables: ['db_password', 'api_key'] } }),
    });
    expect(r.status).toBe(202);
    const done = await api.waitForStatus(r.body.deploymentId, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    return r.body.deploymentId;
  }

  it('masks a run\'s secrets in its logs and outputs, and forgets them when it ends', async () => {
    const before = api.orchestrator.redactor.size;
    const secrets = ['first-run-password-4242', 'first-run-api-key-7777', 'second-run-password-1313', 'second-run-api-key-9999'];
    const ids = [await deployEchoing(secrets[0], secrets[1]), await deployEchoing(secrets[2], secrets[3])];
    for (const [n, id] of ids.entries()) {
      const logs = JSON.stringify((await api.call('GET', `/api/deployments/${id}/logs`, { role: 'viewer' })).body);
      const record = JSON.stringify((await api.call('GET', `/api/deployments/${id}`, { role: 'viewer' })).body);
      expect(logs).toContain(`pw=${MASK}`);
      for (const s of secrets.slice(2 * n, 2 * n + 2)) {
        expect(logs).not.toContain(s);
        expect(record).not.toContain(s);
      }
      expect(record).toContain(`pw=${MASK} key=${MASK}`);
    }
    // Nothing of the two runs stayed in the process-wide registry: it masks the credential only.
    expect(api.orchestrator.redactor.size).toBe(before);
    for (const s of secrets) expect(api.orchestrator.redactor.redact(s)).toBe(s);
    expect(api.orchestrator.redactor.redact('service-wide-credential-0123')).toBe(MASK);
  });
});
