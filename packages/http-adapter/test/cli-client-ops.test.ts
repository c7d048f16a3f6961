import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terraformAvailable } from './support/harness.js';
import { cli, deploymentIdIn, fixture, startTokenService } from './support/cli-client.js';

/** state, lock / unlock, cancel and destroy through the real bin against a real serve and real terraform. */
describe.runIf(terraformAvailable())('iac-orchestrator state, lock, unlock, cancel and destroy', () => {
  let url = '';
  let stop: () => Promise<void> = async () => undefined;
  beforeAll(async () => {
    const s = await startTokenService();
    url = s.svc.url;
    stop = s.stop;
  }, 120_000);
  afterAll(() => stop());

  it('locks the stack by hand, shows it in state, refuses a second lock, unlocks it, then destroys the stack', async () => {
    const d = await cli(url, 'deployer', ['deploy', fixture('conformance/create'), '--blueprint', 'cli-ops', '--env', 'dev', '--cloud', 'gcp', '--auto-approve', '--var', 'api_token=ops-token-value-1', '--sensitive', 'api_token']);
    expect(d.exitCode, d.all).toBe(0);
    const id = deploymentIdIn(d.stdout);

    const lock = await cli(url, 'deployer', ['--json', 'lock', id, '--who', 'maintenance-window', '--operation', 'maintenance']);
    expect(lock.exitCode, lock.all).toBe(0);
    const lockId = (JSON.parse(lock.stdout) as { lockId: string }).lockId;
    expect(lockId).toBeTruthy();
    const state = await cli(url, 'viewer', ['state', id]);
    expect(state.stdout).toMatch(/^locked by .* \(maintenance\) until /m);
    const again = await cli(url, 'deployer', ['lock', id, '--who', 'someone-else']);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/State is already locked \[HTTP 409\]/);
    const noId = await cli(url, 'deployer', ['unlock', id]);
    expect(noId.exitCode).toBe(2);
    const unlock = await cli(url, 'deployer', ['unlock', id, '--lock-id', lockId]);
    expect(unlock.exitCode, unlock.all).toBe(0);
    expect((await cli(url, 'viewer', ['state', id])).stdout).toMatch(/^not locked$/m);

    const destroy = await cli(url, 'deployer', ['destroy', id, '--auto-approve', '--reason', 'cli test']);
    expect(destroy.exitCode, destroy.all).toBe(0);
    expect(destroy.stdout).toMatch(/destroy of /);
    expect(destroy.stdout).toMatch(/^ {2}- /m);
    expect(destroy.stdout).toMatch(/deleted/);
    expect(destroy.stdout).toMatch(/^✓ completed in/m);
  }, 180_000);

  it('cancel stops a running apply; the deploy that followed it exits 1', async () => {
    const deploy = cli(url, 'deployer', ['deploy', fixture('slow'), '--blueprint', 'cli-slow', '--env', 'dev', '--cloud', 'aws', '--auto-approve']);
    let id = '';
    const deadline = Date.now() + 90_000;
    while (!id && Date.now() < deadline) {
      const list = await cli(url, 'viewer', ['--json', 'list', '--blueprint', 'cli-slow', '--status', 'applying']);
      id = (JSON.parse(list.stdout) as { deployments: Array<{ id: string }> }).deployments[0]?.id ?? '';
      if (!id) await new Promise((r) => setTimeout(r, 300));
    }
    expect(id).toBeTruthy();
    const cancel = await cli(url, 'deployer', ['cancel', id]);
    expect(cancel.exitCode, cancel.all).toBe(0);
    const followed = await deploy;
    expect(followed.exitCode, followed.all).toBe(1);
    expect(followed.stdout).toMatch(/^✗ cancelled after/m);
  }, 180_000);
});
