/**
 * Redis down, unreachable or paused: every call fails with StoreUnavailableError instead of hanging or
 * acknowledging what was not stored. Uses redis-server processes of its own, which it kills and pauses.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Orchestrator, StoreUnavailableError, type Deployment } from '@iac-orchestrator/core';
import { ScriptedExecutor, scriptedFiles } from '@iac-orchestrator/core/testing';
import { RedisStateStore } from '../src/index.js';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { freePort, hasRedisServerBinary, startRedisServer, type RedisServer } from './support/redis.js';

const ok = prerequisite('redis-server', hasRedisServerBinary, 'redis-server is not on PATH (these tests kill and pause a Redis of their own)');

const deployment = (id: string): Deployment =>
  ({ id, createdAt: new Date().toISOString(), stackKey: 'bp:dev:aws:terraform', blueprintId: 'bp', environment: 'dev', status: 'pending' }) as Deployment;

// A hang would show as a test timeout: each case must end well within it.
describe.skipIf(!ok)('RedisStateStore when Redis is unavailable', { timeout: 20_000 }, () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  it('fails with StoreUnavailableError when nothing listens, without the password in the message', async () => {
    const port = await freePort();
    const store = new RedisStateStore({ url: `redis://admin:s3cret-pw@127.0.0.1:${port}`, prefix: 'x:' });
    cleanups.push(() => store.close());
    const error = await store.init().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toContain(`redis://127.0.0.1:${port}`);
    expect((error as Error).message).not.toContain('s3cret-pw');
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.putDeployment(deployment('d-1'))).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.acquireLock({ stackKey: 's', operation: 'apply', who: 'w', ttlMs: 1000 })).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('fails fast, acknowledging nothing, once a connected Redis dies', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const store = new RedisStateStore({ url: server.url, prefix: 'died:' });
    cleanups.push(() => store.close());
    await store.putDeployment(deployment('before'));

    await server.stop();
    await expect(store.putDeployment(deployment('after'))).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.getDeployment('before')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('gives up on a paused Redis after the command timeout, and recovers when it resumes', async () => {
    const server: RedisServer = await startRedisServer();
    cleanups.push(() => server.stop());
    const store = new RedisStateStore({ url: server.url, prefix: 'paused:', commandTimeoutMs: 300 });
    cleanups.push(() => store.close());
    await store.putDeployment(deployment('p-1'));

    server.process.kill('SIGSTOP');
    await expect(store.getDeployment('p-1')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.writeStateVersion({ stackKey: 's', expectedVersion: 0, lockId: 'l', token: 1, retention: 10, version: { stackKey: 's', stateId: 's', deploymentId: 'p-1', bundleDigest: 'd', resources: [], outputs: {}, raw: null, reason: 'applied' } })).rejects.toBeInstanceOf(StoreUnavailableError);
    server.process.kill('SIGCONT');

    // The client drops a socket that timed out; once Redis answers again, so does the store.
    let again: Deployment | null = null;
    for (let i = 0; i < 50 && !again; i++) {
      again = await store.getDeployment('p-1').catch(() => null);
      if (!again) await new Promise((r) => setTimeout(r, 100));
    }
    expect(again?.id).toBe('p-1');
  });

  it('gives up connecting to a paused Redis after the connect timeout', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    server.process.kill('SIGSTOP');
    const store = new RedisStateStore({ url: server.url, prefix: 'paused-connect:', connectTimeoutMs: 300 });
    cleanups.push(() => store.close());
    await expect(store.init()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.getLock('s')).rejects.toBeInstanceOf(StoreUnavailableError);
    server.process.kill('SIGCONT');
  });

  it('makes the Orchestrator refuse a deployment (503-class) and report itself not ready', async () => {
    const port = await freePort();
    const orchestrator = new Orchestrator({ store: new RedisStateStore({ url: `redis://127.0.0.1:${port}` }), executors: [new ScriptedExecutor()] });
    cleanups.push(() => orchestrator.close(1000));
    const input = { blueprintId: 'bp', environment: 'dev', targetCloud: 'aws' as const, format: 'terraform' as const, files: scriptedFiles({ resources: [] }) };
    await expect(orchestrator.deploy(input)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(orchestrator.list({})).rejects.toBeInstanceOf(StoreUnavailableError);
    const readiness = await orchestrator.readiness();
    expect(readiness.ok).toBe(false);
    expect(readiness.store.ok).toBe(false);
    expect(readiness.store.detail).toMatch(/unavailable/);
  });
});
