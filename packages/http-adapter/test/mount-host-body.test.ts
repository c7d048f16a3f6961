import { once } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, expect, it } from 'vitest';
import { MemoryStateStore, Orchestrator } from '@iac-orchestrator/core';
import { ScriptedExecutor, scriptedFiles } from '@iac-orchestrator/core/testing';
import { orchestratorHandler } from '../src/index.js';

let cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => { for (const c of cleanups.reverse()) await c(); cleanups = []; });

// A host app keeps raw bytes for its own webhook checks (the common `express.json({ verify })` idiom) and
// enforces tenant isolation by rewriting req.body before handing the request to orchestratorHandler. Only
// Slack's signed actions path may read req.rawBody (slack-mount.test.ts); everywhere else the host's
// rewrite is what the API sees.
it('a host body rewrite is honoured on /api/deployments even when req.rawBody is kept', async () => {
  const orchestrator = new Orchestrator({ store: new MemoryStateStore(), executors: [new ScriptedExecutor()] });
  cleanups.push(() => orchestrator.close(2000));
  const app = express();
  app.use(express.json({ verify: (req, _res, buf) => { (req as IncomingMessage & { rawBody?: Buffer }).rawBody = buf; } }));
  app.use((req, _res, next) => { if (req.body && typeof req.body === 'object') req.body.blueprintId = 'tenant-a-app'; next(); });
  const handler = orchestratorHandler({ orchestrator, logger: false });
  cleanups.push(() => handler.close());
  app.use('/iac', handler);
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise((r) => server.close(r)));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const r = await fetch(`${base}/iac/api/deployments`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ blueprintId: 'tenant-b-app', environment: 'dev', targetCloud: 'aws', format: 'terraform', files: scriptedFiles({ resources: [{ id: 'x', value: '1' }] }) }),
  });
  const body = (await r.json()) as { deploymentId?: string; id?: string };
  expect(r.status).toBe(202);
  const d = await orchestrator.get((body.deploymentId ?? body.id)!);
  expect(d.blueprintId).toBe('tenant-a-app'); // the caller's own 'tenant-b-app' before the fix
});
