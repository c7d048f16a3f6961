import { once } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStateStore, Orchestrator } from '@iac-orchestrator/core';
import { ScriptedExecutor, scriptedFiles } from '@iac-orchestrator/core/testing';
import { orchestratorHandler, orchestratorRoutes, parseApiTokens, slackSettingsOf } from '../src/index.js';
import { buttonValue, postSlack, ResponseUrlReceiver, SLACK_ENV, slackActionBody } from './support/slack.js';

/**
 * Approve from Slack inside someone else's app: the Slack route needs the body's bytes as Slack signed
 * them, whatever parsers the host app runs first. Over real HTTP, with the scripted executor in memory; a
 * production deployment waits for approval and a signed click approves it.
 */

let cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function setup() {
  const receiver = await new ResponseUrlReceiver().start();
  cleanups.push(() => receiver.close());
  const orchestrator = new Orchestrator({ store: new MemoryStateStore(), executors: [new ScriptedExecutor()] });
  cleanups.push(() => orchestrator.close(2000));
  const slack = slackSettingsOf({ ...SLACK_ENV, SLACK_APPROVERS: 'U0ALICE:alice', SLACK_RESPONSE_URL_PREFIXES: receiver.url })!;
  const tokens = parseApiTokens('alice:approver:alice-token-0123456789abcdef');
  const waiting = async () => {
    const d = await orchestrator.deploy({ blueprintId: 'mounted', environment: 'production', targetCloud: 'aws', format: 'terraform', files: scriptedFiles({ resources: [{ id: 'thing', value: 'v1' }] }) });
    return orchestrator.waitFor(d.id, 'awaiting_approval', { timeoutMs: 20_000 });
  };
  const approveThrough = async (base: string, reply: string) => {
    const d = await waiting();
    const id = d.id;
    const r = await postSlack(`${base}/api/integrations/slack/actions`, slackActionBody({ action: 'deployment.approve', value: buttonValue(d), userId: 'U0ALICE', userName: 'alice', responseUrl: `${receiver.url}${reply}` }));
    return { id, r };
  };
  const expectApproved = async (id: string, reply: string) => {
    expect(await receiver.messageTo(`/${reply}`)).toMatchObject({ replace_original: true, text: expect.stringContaining('approved by alice') });
    expect(await orchestrator.waitFor(id, 'completed', { timeoutMs: 20_000 })).toMatchObject({ approval: { decision: 'approved', by: 'alice' } });
  };
  return { receiver, orchestrator, slack, tokens, waiting, approveThrough, expectApproved };
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise((r) => server.close(r)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('Slack actions in a Fastify app (orchestratorRoutes under a prefix)', () => {
  it('verifies the raw body although the host app parses forms its own way', async () => {
    const s = await setup();
    const app = Fastify();
    cleanups.push(() => app.close());
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
    app.post('/form', async (req) => ({ got: req.body }));
    await app.register(orchestratorRoutes, { orchestrator: s.orchestrator, tokens: s.tokens, slack: s.slack, prefix: '/iac' });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });

    const { id, r } = await s.approveThrough(`${base}/iac`, 'fastify');
    expect(r.status).toBe(200);
    await s.expectApproved(id, 'fastify');
    // the host's own form route and parser are untouched
    const form = await fetch(`${base}/form`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    expect(await form.json()).toEqual({ got: { a: '1' } });
  });
});

describe('Slack actions in an Express app (orchestratorHandler)', () => {
  it('reads the stream itself when no parser took the form (express.json() only)', async () => {
    const s = await setup();
    const app = express();
    app.use(express.json());
    const handler = orchestratorHandler({ orchestrator: s.orchestrator, tokens: s.tokens, slack: s.slack, logger: false });
    cleanups.push(() => handler.close());
    app.use('/iac', handler);
    const { id, r } = await s.approveThrough(`${await listen(app.listen(0, '127.0.0.1'))}/iac`, 'express-json');
    expect(r.status).toBe(200);
    await s.expectApproved(id, 'express-json');
  });

  it('uses the bytes a form parser kept in req.rawBody (express.urlencoded with verify)', async () => {
    const s = await setup();
    const app = express();
    app.use(express.urlencoded({ extended: false, verify: (req, _res, buf) => void ((req as IncomingMessage & { rawBody?: Buffer }).rawBody = buf) }));
    const handler = orchestratorHandler({ orchestrator: s.orchestrator, tokens: s.tokens, slack: s.slack, logger: false });
    cleanups.push(() => handler.close());
    app.use('/iac', handler);
    const { id, r } = await s.approveThrough(`${await listen(app.listen(0, '127.0.0.1'))}/iac`, 'express-verify');
    expect(r.status).toBe(200);
    await s.expectApproved(id, 'express-verify');
  });

  it('uses the Buffer express.raw() left in req.body', async () => {
    const s = await setup();
    const app = express();
    app.use(express.raw({ type: '*/*' }));
    const handler = orchestratorHandler({ orchestrator: s.orchestrator, tokens: s.tokens, slack: s.slack, logger: false });
    cleanups.push(() => handler.close());
    app.use('/iac', handler);
    const { id, r } = await s.approveThrough(`${await listen(app.listen(0, '127.0.0.1'))}/iac`, 'express-raw');
    expect(r.status).toBe(200);
    await s.expectApproved(id, 'express-raw');
  });

  it('refuses (401, nothing changed) when a form parser consumed the body without keeping its bytes', async () => {
    const s = await setup();
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    const handler = orchestratorHandler({ orchestrator: s.orchestrator, tokens: s.tokens, slack: s.slack, logger: false });
    cleanups.push(() => handler.close());
    app.use('/iac', handler);
    const { id, r } = await s.approveThrough(`${await listen(app.listen(0, '127.0.0.1'))}/iac`, 'express-parsed');
    expect(r).toMatchObject({ status: 401, body: { error: expect.stringMatching(/X-Slack-Signature does not match/) } });
    expect(await s.orchestrator.get(id)).toMatchObject({ status: 'awaiting_approval', approval: null });
  });
});
