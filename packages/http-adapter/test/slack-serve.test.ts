import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terraformAvailable } from './support/harness.js';
import { startServe, type ServeProcess } from './support/serve.js';
import { buttonValue, NOTIFY_SECRET, postSlack, ResponseUrlReceiver, SLACK_SECRET, slackActionBody } from './support/slack.js';
import { terraformCode } from './support/stub-generator.js';

const DEPLOYER = 'deployer-token-for-slack-serve-0123';
const APPROVER = 'alice-token-for-slack-serve-0123456';

/** The standalone service configured from the environment (SLACK_*), as `iac-orchestrator serve` runs it. */
describe.skipIf(!terraformAvailable())('iac-orchestrator serve with SLACK_SIGNING_SECRET and SLACK_APPROVERS', () => {
  let dir = '';
  let svc: ServeProcess | null = null;
  const receiver = new ResponseUrlReceiver();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slack-serve-'));
    await receiver.start();
    svc = await startServe({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'trace',
      ORCHESTRATOR_EXECUTORS: 'terraform',
      ORCHESTRATOR_DATA_DIR: join(dir, 'data'),
      TERRAFORM_WORK_DIR: join(dir, 'tf'),
      ORCHESTRATOR_API_TOKENS: `ci:deployer:${DEPLOYER},alice:approver:${APPROVER}`,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      ORCHESTRATOR_NOTIFY_SECRET: NOTIFY_SECRET,
      SLACK_APPROVERS: 'U0ALICE:alice',
      SLACK_RESPONSE_URL_PREFIXES: receiver.url,
    });
  }, 60_000);
  afterAll(async () => {
    await svc?.stop();
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = async (id: string) => (await fetch(`${svc!.url}/api/deployments/${id}`, { headers: { authorization: `Bearer ${DEPLOYER}` } })).json() as Promise<any>;
  const until = async (id: string, statuses: string[]) => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const d = await get(id);
      if (statuses.includes(d.status)) return d;
      if (Date.now() > deadline) throw new Error(`stuck in ${d.status}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  it('a signed click approves a production plan, which is applied; a forged one changes nothing; the secret is never printed', async () => {
    const started = await fetch(`${svc!.url}/api/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEPLOYER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ blueprintId: 'slack-serve', environment: 'production', targetCloud: 'azure', format: 'terraform', files: { 'main.tf': terraformCode({ ip: '10.0.3.3' }) } }),
    });
    expect(started.status).toBe(202);
    const { deploymentId: id } = (await started.json()) as { deploymentId: string };
    const waiting = await until(id, ['awaiting_approval', 'failed', 'completed']);
    expect(waiting.status).toBe('awaiting_approval');

    const body = slackActionBody({ action: 'deployment.approve', value: buttonValue(waiting), userId: 'U0ALICE', userName: 'alice', responseUrl: `${receiver.url}serve` });
    const forged = await postSlack(`${svc!.url}/api/integrations/slack/actions`, body, { secret: 'not-the-signing-secret-123' });
    expect(forged.status).toBe(401);
    expect((await get(id)).status).toBe('awaiting_approval');

    const ok = await postSlack(`${svc!.url}/api/integrations/slack/actions`, body);
    expect(ok.status).toBe(200);
    expect(await receiver.messageTo('/serve')).toMatchObject({ replace_original: true, text: expect.stringContaining('approved by alice') });
    const done = await until(id, ['completed', 'failed']);
    expect(done).toMatchObject({ status: 'completed', approval: { decision: 'approved', by: 'alice', comment: expect.stringContaining('Slack @alice, U0ALICE') } });
    expect(svc!.output()).toMatch(/api\/integrations\/slack\/actions/); // the requests were logged...
    expect(svc!.output()).not.toContain(SLACK_SECRET); // ...without the secrets
    expect(svc!.output()).not.toContain(NOTIFY_SECRET);
  }, 180_000);
});
