import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStateStore, Orchestrator } from '@iac-orchestrator/core';
import { ScriptedExecutor, scriptedFiles } from '@iac-orchestrator/core/testing';
import { buildServer, orchestratorHandler, orchestratorRoutes } from '../src/index.js';

/**
 * The REST adapter inside someone else's app, over real HTTP: as a Fastify plugin under a prefix, as an
 * Express middleware after any body parser, and as a plain Node handler. Each deploys for real (the scripted
 * executor, in memory) and the host app's own routes keep working beside it.
 */

const body = (id: string) => ({
  blueprintId: id,
  environment: 'dev',
  targetCloud: 'aws',
  format: 'terraform',
  options: { autoApprove: true },
  files: scriptedFiles({ resources: [{ id: 'thing', value: 'v1' }] }),
});

let cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function newOrchestrator(): Orchestrator {
  const orchestrator = new Orchestrator({ store: new MemoryStateStore(), executors: [new ScriptedExecutor()] });
  cleanups.push(() => orchestrator.close(2000));
  return orchestrator;
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise((r) => server.close(r)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const post = (url: string, json: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(url, { method: 'POST', headers, body: typeof json === 'string' ? json : JSON.stringify(json), signal: AbortSignal.timeout(20_000) });

/** Deploys through the mounted API, then follows the record to completion through it too. */
async function deployThrough(base: string, orchestrator: Orchestrator, id: string, headers?: Record<string, string>) {
  const res = await post(`${base}/api/deployments`, body(id), headers);
  const created = (await res.json()) as { deploymentId: string; status: string };
  expect(res.status, JSON.stringify(created)).toBe(202);
  await orchestrator.waitFor(created.deploymentId, 'completed', { timeoutMs: 20_000 });
  const got = await fetch(`${base}/api/deployments/${created.deploymentId}`, { signal: AbortSignal.timeout(20_000) });
  expect(got.status).toBe(200);
  expect(await got.json()).toMatchObject({ id: created.deploymentId, status: 'completed' });
}

describe('mounted in a Fastify app: app.register(orchestratorRoutes, { orchestrator, prefix })', () => {
  it('serves the API under the prefix, leaving the host app its own routes, parsers and 404s', async () => {
    const orchestrator = newOrchestrator();
    const app = Fastify();
    cleanups.push(() => app.close());
    app.post('/hello', async (req) => ({ echo: req.body }));
    await app.register(orchestratorRoutes, { orchestrator, prefix: '/iac' });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });

    await deployThrough(`${base}/iac`, orchestrator, 'fastify-plugin');
    expect(await (await fetch(`${base}/iac/health`)).json()).toEqual({ status: 'ok' });
    const bad = await post(`${base}/iac/api/deployments`, { environment: 'dev' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'blueprintId and generationJobId are required' });
    // the host's own route, with Fastify's own JSON parser, is untouched
    const hello = await post(`${base}/hello`, { a: 1 });
    expect(await hello.json()).toEqual({ echo: { a: 1 } });
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
  });

  it('buildServer still builds the standalone service', async () => {
    const orchestrator = newOrchestrator();
    const app = buildServer({ orchestrator });
    cleanups.push(() => app.close());
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    await deployThrough(base, orchestrator, 'standalone');
  });
});

describe('mounted in Express: app.use(prefix, orchestratorHandler({ orchestrator }))', () => {
  const parsers = {
    'express.json() before it': () => express.json(),
    'express.text({ type: "*/*" }) before it': () => express.text({ type: '*/*' }),
    'express.raw({ type: "*/*" }) before it': () => express.raw({ type: '*/*' }),
    'no body parser': null,
  } as const;
  for (const [name, parser] of Object.entries(parsers)) {
    it(`deploys with ${name}`, async () => {
      const orchestrator = newOrchestrator();
      const handler = orchestratorHandler({ orchestrator });
      cleanups.push(() => handler.close());
      const app = express();
      if (parser) app.use(parser());
      app.get('/hello', (_req, res) => void res.json({ hello: 'world' }));
      app.use('/iac', handler);
      const base = await listen(createServer(app));

      await deployThrough(`${base}/iac`, orchestrator, `express-${name.split(/\W/)[0] || 'none'}`);
      // A bad JSON body still gets the adapter's 400, whichever parser (if any) read it first.
      const bad = await post(`${base}/iac/api/deployments`, { blueprintId: 'x', environment: 'dev', targetCloud: 'aws', format: 'terraform' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toMatch(/generationJobId.*files/);
      expect(await (await fetch(`${base}/hello`)).json()).toEqual({ hello: 'world' });
    });
  }
});

describe('as a plain Node handler: http.createServer(orchestratorHandler({ orchestrator, prefix }))', () => {
  it('serves the API under its prefix and 404s elsewhere', async () => {
    const orchestrator = newOrchestrator();
    const handler = orchestratorHandler({ orchestrator, prefix: '/iac/' });
    cleanups.push(() => handler.close());
    const base = await listen(createServer(handler));
    await deployThrough(`${base}/iac`, orchestrator, 'plain-node');
    expect((await fetch(`${base}/other/api/deployments`)).status).toBe(404);
    expect((await fetch(`${base}/iacx/health`)).status).toBe(404);
  });
});
