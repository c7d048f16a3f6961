import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { fixture, startTokenService } from './support/cli-client.js';
import { TOKENS, terraformAvailable } from './support/harness.js';
import { childEnv, cliEntry, repoRoot } from './support/serve.js';
import { TmuxTerminal, tmuxAvailable } from './support/tmux.js';

const consoleFixture = join(repoRoot, 'packages/http-adapter/test/fixtures/console');
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

/** `deploy` on a real terminal (tmux): lines that change in place, the approval question answered by typing. */
describe.runIf(terraformAvailable() && prerequisite('tmux', tmuxAvailable(), 'tmux not on PATH'))('iac-orchestrator deploy on a terminal (tmux pseudo-terminal, real service, real terraform)', () => {
  let url = '';
  let stop: () => Promise<void> = async () => undefined;
  let term: TmuxTerminal | null = null;
  beforeAll(async () => {
    const s = await startTokenService();
    url = s.svc.url;
    stop = s.stop;
  }, 120_000);
  afterAll(() => stop());
  afterEach(() => term?.close());

  const run = async (role: keyof typeof TOKENS, args: string[]) => {
    term = new TmuxTerminal();
    await term.start(['node', '--import', 'tsx', cliEntry, ...args], childEnv({ ORCHESTRATOR_URL: url, ORCHESTRATOR_TOKEN: TOKENS[role] }), repoRoot);
    return term;
  };

  it('shows a spinner while a resource is created, then ✓ on the same line with its time, phase headers and the plan', async () => {
    const t = await run('deployer', ['deploy', consoleFixture, '--blueprint', 'tty-bp', '--env', 'dev', '--cloud', 'azure', '--auto-approve']);
    // terraform_data.app sleeps 2 s in a provisioner: it is seen running.
    const running = await t.waitFor(new RegExp(`${SPINNER.source} terraform_data\\.app {2}creating {2}\\d+\\.\\ds`));
    expect(running).toMatch(/── Applying ──/);
    expect(running).toMatch(/^✓ terraform_data\.network {2}created {2}\d+\.\ds$/m);
    const done = await t.waitFor(/✓ completed in/);
    expect(await t.waitForExit()).toBe(0);
    const screen = await t.screen();
    // The line changed in place: one line for the resource, no leftover "creating" line.
    expect(screen.match(/terraform_data\.app {2}/g)).toHaveLength(1);
    expect(screen).toMatch(/^✓ terraform_data\.app {2}created {2}[1-9]\d*\.\ds$/m);
    expect(screen).not.toMatch(/terraform_data\.app {2}creating/);
    for (const s of ['── Planning ──', '── Applying ──', '+ terraform_data.app', 'Plan: 2 to add, 0 to change, 0 to destroy.', 'connection_string = ***']) expect(screen).toContain(s);
    expect(done).not.toContain('console-default-Secret-9');
  }, 150_000);

  it('asks at the approval gate; typing y approves and the run goes on to completed (exit 0)', async () => {
    const t = await run('approver', ['deploy', consoleFixture, '--blueprint', 'tty-prod', '--env', 'production', '--cloud', 'azure']);
    const asked = await t.waitFor(/Apply this plan to production\? Plan: 2 to add, 0 to change, 0 to destroy\. \[y\/N\]/);
    expect(asked).toMatch(/── Waiting for approval ──/);
    expect(asked).toMatch(/\+ terraform_data\.network/);
    await t.type('y');
    await t.waitFor(/✓ completed in/);
    expect(await t.screen()).toMatch(/Approved\./);
    expect(await t.waitForExit()).toBe(0);
  }, 150_000);

  it('answering n rejects the plan (exit 1)', async () => {
    const t = await run('approver', ['deploy', fixture('basic'), '--blueprint', 'tty-prod-2', '--env', 'prod', '--cloud', 'azure', '--var', 'db_password=x-secret-x']);
    await t.waitFor(/Apply this plan to prod\?.*\[y\/N\]/);
    await t.type('n');
    const end = await t.waitFor(/✗ cancelled after/);
    expect(end).toMatch(/Rejected\./);
    expect(end).toMatch(/Plan rejected by approver-user/);
    expect(await t.waitForExit()).toBe(1);
  }, 150_000);
});
