import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terraformAvailable } from './support/harness.js';
import { cli, deploymentIdIn, fixture, startTokenService } from './support/cli-client.js';

const SECRET = 'cli-secret-Pa55word-value';

/**
 * The client commands of the real `iac-orchestrator` bin against a real `serve` (file store, real
 * terraform, tokens per role), without a terminal: plain, append-only text and JSON lines, exit codes.
 */
describe.runIf(terraformAvailable())('iac-orchestrator client commands (plain output, real service, real terraform)', () => {
  let url = '';
  let stop: () => Promise<void> = async () => undefined;
  beforeAll(async () => {
    const s = await startTokenService();
    url = s.svc.url;
    stop = s.stop;
  }, 120_000);
  afterAll(() => stop());

  const basicArgs = (env: string, more: string[] = []) => ['deploy', fixture('basic'), '--blueprint', 'cli-bp', '--env', env, '--cloud', 'azure', '--var', `db_password=${SECRET}`, '--sensitive', 'db_password', ...more];

  it('deploy follows a run live to the end: phases, plan, one line per resource, outputs masked, exit 0', async () => {
    const r = await cli(url, 'deployer', basicArgs('dev', ['--auto-approve']));
    expect(r.exitCode, r.all).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^Deployment [0-9a-f-]{36}  terraform → azure, dev$/m);
    const order = ['== Planning ==', '== Applying ==', '+ terraform_data.app', 'Plan: 2 to add, 0 to change, 0 to destroy.', '✓ terraform_data.network created', '✓ terraform_data.app created', '✓ completed in'];
    let at = -1;
    for (const s of order) {
      const i = out.indexOf(s, at + 1);
      expect(i, `"${s}" after position ${at} in:\n${out}`).toBeGreaterThan(at);
      at = i;
    }
    expect(out).toMatch(/^… terraform_data\.network creating$/m);
    expect(out).toMatch(/^ {2}connection_string = \*\*\*$/m);
    expect(out).toMatch(/^ {2}app_name = app-first$/m);
    expect(out).not.toContain(SECRET);
    // Plain mode: no escape sequences at all.
    expect(out).not.toMatch(/\u001b\[/);
  }, 120_000);

  it('--json prints one event per line, ending with the outcome', async () => {
    const r = await cli(url, 'deployer', ['--json', ...basicArgs('json-env', ['--auto-approve'])]);
    expect(r.exitCode, r.all).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events[0]).toMatchObject({ event: 'started' });
    expect(events.filter((e) => e.event === 'status').map((e) => e.status)).toEqual(expect.arrayContaining(['planning', 'applying']));
    expect(events).toContainEqual(expect.objectContaining({ event: 'resource', id: 'terraform_data.app', status: 'created' }));
    expect(events).toContainEqual(expect.objectContaining({ event: 'plan', plan: expect.objectContaining({ add: 2 }) }));
    expect(events.at(-1)).toMatchObject({ event: 'end', status: 'completed', error: null });
    expect(r.stdout).not.toContain(SECRET);
  }, 120_000);

  it('production stops at the gate: --no-wait exits 3; logs -f ends with the run once an approver approves', async () => {
    const r = await cli(url, 'deployer', basicArgs('production', ['--no-wait', '--var', 'name=prod']));
    expect(r.exitCode, r.all).toBe(3);
    expect(r.stdout).toContain('== Waiting for approval ==');
    expect(r.stdout).toContain('+ terraform_data.network');
    const id = deploymentIdIn(r.stdout);

    const plan = await cli(url, 'viewer', ['plan', id]);
    expect(plan.exitCode).toBe(0);
    expect(plan.stdout).toContain(`Plan of ${id} (production, awaiting_approval)`);
    expect(plan.stdout).toMatch(/^ {2}\+ terraform_data\.app$/m);

    const follow = cli(url, 'viewer', ['logs', id, '-f']);
    const denied = await cli(url, 'deployer', ['approve', id]);
    expect(denied.exitCode).toBe(1);
    expect(denied.stderr).toMatch(/needs the approver role \[HTTP 403\]/);

    const ok = await cli(url, 'approver', ['approve', id, '-m', 'ship it']);
    expect(ok.exitCode, ok.all).toBe(0);
    expect(ok.stdout).toContain(`Approved ${id} (production)`);
    const logs = await follow;
    expect(logs.exitCode, logs.all).toBe(0);
    expect(logs.stdout).toMatch(/Plan approved by approver-user/);
    expect(logs.stdout).toMatch(/terraform_data\.app: Creation complete/);
    expect(logs.stdout.trim().split('\n').at(-1)).toBe('-- completed');

    const status = await cli(url, 'viewer', ['status', id]);
    expect(status.stdout).toMatch(/approved by approver-user at .*: ship it/);
    expect(status.stdout).toMatch(/app_name = app-prod/);
  }, 180_000);

  it('a failing apply exits 1 and says why; reject exits the followed run with 1', async () => {
    const r = await cli(url, 'deployer', ['deploy', fixture('conformance/failing'), '--blueprint', 'cli-fail', '--env', 'dev', '--cloud', 'aws', '--auto-approve']);
    expect(r.exitCode, r.all).toBe(1);
    expect(r.stdout).toMatch(/^✓ terraform_data\.first created/m);
    expect(r.stdout).toMatch(/^✗ terraform_data\.breaks failed/m);
    expect(r.stdout).toMatch(/^✗ failed after .*: /m);

    const gated = await cli(url, 'deployer', basicArgs('prod', ['--no-wait']));
    expect(gated.exitCode).toBe(3);
    const id = deploymentIdIn(gated.stdout);
    const follow = cli(url, 'viewer', ['logs', id, '--follow']);
    const rej = await cli(url, 'approver', ['reject', id, '-m', 'not today']);
    expect(rej.exitCode, rej.all).toBe(0);
    const logs = await follow;
    expect(logs.exitCode).toBe(1);
    expect(logs.stdout).toMatch(/-- cancelled: Plan rejected by approver-user: not today/);
  }, 180_000);

  it('history, a dry-run plan diff and a rollback followed to the end', async () => {
    const list = await cli(url, 'viewer', ['list', '--env', 'dev', '--blueprint', 'cli-bp']);
    expect(list.exitCode).toBe(0);
    const id = /^([0-9a-f-]{36})\s+completed\s+dev\s+cli-bp/m.exec(list.stdout)?.[1];
    expect(id, list.stdout).toBeTruthy();

    const dry = await cli(url, 'deployer', basicArgs('dev', ['--dry-run', '--var', 'name=second']));
    expect(dry.exitCode, dry.all).toBe(0);
    expect(dry.stdout).toMatch(/^✓ planned in/m);
    expect(dry.stdout).toMatch(/^ {2}~ terraform_data\.app$/m);
    // The changed attributes, the sensitive part masked.
    expect(dry.stdout).toContain('      input: {"name":"first","password":"***"} → {"name":"second","password":"***"}');
    expect(dry.stdout).toContain('      input: "net-first" → "net-second"');
    expect(dry.stdout).toContain('Plan: 0 to add, 2 to change, 0 to destroy.');
    expect(dry.stdout).not.toContain(SECRET);

    const hist = await cli(url, 'viewer', ['history', id!]);
    expect(hist.stdout).toMatch(/^v1 {2}applied/m);
    const rb = await cli(url, 'deployer', ['rollback', id!, '--to', '1', '--reason', 'cli test']);
    expect(rb.exitCode, rb.all).toBe(0);
    expect(rb.stdout).toMatch(/rollback of .* to version 1/);
    expect(rb.stdout).toMatch(/^✓ completed in/m);
  }, 180_000);

  it('bad usage exits 2 with the reason; an unknown id exits 1', async () => {
    const missing = await cli(url, 'deployer', ['deploy', fixture('basic'), '--blueprint', 'x', '--cloud', 'azure']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/required option '--env <name>' not specified/);
    const badVar = await cli(url, 'deployer', ['deploy', fixture('basic'), '--blueprint', 'x', '--env', 'dev', '--cloud', 'azure', '--var', 'novalue']);
    expect(badVar.exitCode).toBe(2);
    expect(badVar.stderr).toMatch(/expected name=value/);
    const badCloud = await cli(url, 'deployer', ['deploy', fixture('basic'), '--blueprint', 'x', '--env', 'dev', '--cloud', 'mars']);
    expect(badCloud.exitCode).toBe(2);
    const badFilter = await cli(url, 'viewer', ['list', '--status', 'sleeping']);
    expect(badFilter.exitCode).toBe(2);
    expect(badFilter.stderr).toMatch(/status: .*\[HTTP 400\]/);
    const noToken = await cli(url, null, ['list']);
    expect(noToken.exitCode).toBe(1);
    expect(noToken.stderr).toMatch(/Authentication required.*\[HTTP 401\]/);
    const unknown = await cli(url, 'viewer', ['status', 'no-such-deployment']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(/\[HTTP 404\]/);
    const help = await cli(url, null, ['deploy', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/--no-wait/);
  }, 120_000);
});
