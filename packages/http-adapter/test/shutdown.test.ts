import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terraformAvailable } from './support/harness.js';
import { startServe, type ServeProcess } from './support/serve.js';

/** `fast` is created at once; `slow` sleeps in a provisioner (sleep run directly, no shell); `after` never comes. */
const SLOW_TF = `
resource "terraform_data" "fast" {
  input = "fast"
}

resource "terraform_data" "slow" {
  input      = "slow"
  depends_on = [terraform_data.fast]
  provisioner "local-exec" {
    interpreter = ["sleep"]
    command     = "120"
  }
}

resource "terraform_data" "after" {
  input      = "after"
  depends_on = [terraform_data.slow]
}
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!terraformAvailable())('SIGTERM during an apply (the real serve process)', () => {
  let dir = '';
  let svc: ServeProcess | null = null;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shutdown-test-'));
  });
  afterAll(async () => {
    await svc?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('stops within its grace: the running deployment saves the state it left and releases its lock', async () => {
    const env = { PORT: '0', ORCHESTRATOR_DATA_DIR: join(dir, 'data'), TERRAFORM_WORK_DIR: join(dir, 'tf'), SHUTDOWN_GRACE_MS: '500' };
    svc = await startServe(env);
    const res = await fetch(`${svc.url}/api/deployments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ blueprintId: 'slow-bp', environment: 'dev', targetCloud: 'aws', format: 'terraform', options: { autoApprove: true }, files: { 'main.tf': SLOW_TF } }),
    });
    expect(res.status).toBe(202);
    const { deploymentId } = (await res.json()) as { deploymentId: string };

    // Wait until terraform is inside the slow provisioner: `fast` exists, `slow` is being created.
    for (;;) {
      const logs = (await (await fetch(`${svc.url}/api/deployments/${deploymentId}/logs?limit=5000`)).json()) as { logs: Array<{ message: string; resource: string | null }> };
      // Plan lines name it too ("Plan to create"); only apply lines say "Creating..." / "Provisioning".
      if (logs.logs.some((l) => l.resource === 'terraform_data.slow' && /Creating\.\.\.|Provisioning/.test(l.message))) break;
      await sleep(200);
    }

    expect(await svc.stop()).toBe(0);
    expect(svc.output()).toMatch(/"msg":"shut down"/);

    // A new process on the same data dir sees what the first one left.
    svc = await startServe(env);
    const d = (await (await fetch(`${svc.url}/api/deployments/${deploymentId}`)).json()) as any;
    expect(['cancelled', 'failed']).toContain(d.status);
    // Terraform's own persists during the apply may already have written a version (the state streamed to the
    // store); the state it left at the stop is the newest one, whatever its number.
    expect(d.state.version).toBeGreaterThanOrEqual(1);
    expect(d.state.locked).toBe(false);
    const state = (await (await fetch(`${svc.url}/api/deployments/${deploymentId}/state`)).json()) as any;
    expect(state.locked).toBe(false);
    expect(state.version).toBe(d.state.version);
    expect(state.resources.map((r: { id: string }) => r.id)).toContain('terraform_data.fast');
    expect(state.resources.map((r: { id: string }) => r.id)).not.toContain('terraform_data.after');
  }, 240_000);
});
