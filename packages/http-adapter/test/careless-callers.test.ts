import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeSourceError, MemoryStateStore, Orchestrator } from '@iac-orchestrator/core';
import { parseApiTokens } from '../src/auth.js';
import { HttpGeneratorCodeSource } from '../src/generator-code-source.js';
import { createLogger } from '../src/logger.js';
import { buildServer } from '../src/server.js';
import { loadConfig } from '../src/config.js';
import { ApiHarness, deployBody, terraformAvailable } from './support/harness.js';
import { terraformCode } from './support/stub-generator.js';

/** Issue 12, the small things: protected environments, approve/reject answers, request logs, generator size cap. */
describe.skipIf(!terraformAvailable())('REST: approval policy by an explicit list of protected environments', () => {
  const api = new ApiHarness();
  beforeAll(async () => {
    await api.start({ orchestrator: { protectedEnvironments: loadConfig({ ORCHESTRATOR_PROTECTED_ENVIRONMENTS: 'production, prod, prod2, live' }).protectedEnvironments } });
  });
  afterAll(() => api.stop());

  const deploy = (environment: string, blueprintId = `env-${environment}`) =>
    api.call('POST', '/api/deployments', { role: 'deployer', body: deployBody({ blueprintId, environment, files: { 'main.tf': terraformCode() }, options: { autoApprove: true } }) });

  it('a deployer\'s autoApprove stops at approval in every listed environment, whatever its case; others auto-apply', async () => {
    for (const env of ['prod2', 'live', 'PRODUCTION']) {
      const r = await deploy(env);
      expect(r.status).toBe(202);
      expect((await api.waitForStatus(r.body.deploymentId, ['awaiting_approval', 'completed', 'failed'])).status, env).toBe('awaiting_approval');
    }
    const staging = await deploy('staging');
    expect((await api.waitForStatus(staging.body.deploymentId, ['awaiting_approval', 'completed', 'failed'])).status).toBe('completed');
  });

  it('approve and reject answer with the record after the decision', async () => {
    const a = await deploy('prod');
    await api.waitForStatus(a.body.deploymentId, ['awaiting_approval']);
    const approved = await api.call('POST', `/api/deployments/${a.body.deploymentId}/approve`, { role: 'approver', body: { comment: 'ok' } });
    expect(approved.status).toBe(200);
    expect(approved.body.status).not.toBe('awaiting_approval');
    expect(approved.body.approval).toMatchObject({ decision: 'approved', by: 'approver-user', comment: 'ok' });
    const r = await deploy('prod', 'other-stack');
    await api.waitForStatus(r.body.deploymentId, ['awaiting_approval']);
    const rejected = await api.call('POST', `/api/deployments/${r.body.deploymentId}/reject`, { role: 'approver', body: {} });
    expect(rejected.body).toMatchObject({ status: 'cancelled', approval: { decision: 'rejected', by: 'approver-user' } });
  });

  it('the default list is production and prod only', () => {
    expect(loadConfig({}).protectedEnvironments).toEqual(['production', 'prod']);
  });
});

describe('request logs', () => {
  it('never record the values of a query string', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const { logger } = createLogger({ logLevel: 'info', credentials: {} }, stream);
    const orchestrator = new Orchestrator({ store: new MemoryStateStore() });
    const token = 'viewer-token-in-a-query-0123456789';
    const app = buildServer({ orchestrator, tokens: parseApiTokens(`ci:viewer:${token}`), logger });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as AddressInfo;
      await fetch(`http://127.0.0.1:${port}/api/deployments?limit=5&access_token=${token}`, { headers: { authorization: `Bearer ${token}` } });
    } finally {
      await app.close();
      await orchestrator.close(0);
    }
    const text = lines.join('');
    expect(text).toContain('"url":"/api/deployments?limit=***&access_token=***"');
    expect(text).not.toContain(token);
  });
});

describe('generator responses', () => {
  let server: Server;
  let written = 0;
  let url = '';
  beforeAll(async () => {
    // Answers 64 MiB without a Content-Length, chunk by chunk, as long as the client reads.
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const total = 64 * 1024 * 1024;
      const pump = () => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => undefined);
      pump();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('are read as a stream and cut as soon as they pass the size cap', async () => {
    const source = new HttpGeneratorCodeSource({ baseUrl: url, retries: 0, maxResponseBytes: 1024 * 1024, timeoutMs: 20_000 });
    const err = await source.fetchJob('huge').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodeSourceError);
    expect((err as Error).message).toBe('Failed to fetch generated code: generator response is larger than 1048576 bytes');
    await new Promise((r) => setTimeout(r, 500));
    // The server could only write what the socket buffers took before the client hung up.
    expect(written).toBeLessThan(32 * 1024 * 1024);
  });
});
