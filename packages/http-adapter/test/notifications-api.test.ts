import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '@iac-orchestrator/core';
import { Receiver } from '../../core/test/notifications/receiver.js';
import { loadConfig, ConfigError } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startService } from '../src/service.js';
import type { NotificationLog } from '../src/notifications-contract.js';
import { ApiHarness, deployBody, terraformAvailable } from './support/harness.js';
import { terraformCode } from './support/stub-generator.js';

const SECRET = 'whsec-rest-0123456789abcdef-never-shown';

describe.skipIf(!terraformAvailable())('notifications over REST, real terraform, a real receiver', () => {
  const api = new ApiHarness();
  const receiver = new Receiver();
  let hook = '';

  beforeAll(async () => {
    await receiver.start();
    hook = receiver.on('/hook', { failFirst: 1 });
    await api.start({ orchestrator: { notifications: { secret: SECRET, allowedHosts: [receiver.url], retryBaseMs: 100, publicUrl: 'https://orch.example.com' } } });
  });
  afterAll(async () => {
    await api.stop();
    await receiver.stop();
  });

  it('a per-deployment URL outside the allowed hosts is a 400 naming the field, and nothing is stored', async () => {
    const before = await api.call('GET', '/api/deployments', { role: 'viewer' });
    for (const url of ['https://evil.example.net/hook', 'http://169.254.169.254/latest', 'http://127.0.0.1:9/other-port']) {
      const r = await api.call('POST', '/api/deployments', { role: 'deployer', body: deployBody({ files: { 'main.tf': terraformCode() }, options: { autoApprove: true, notify: [{ url, events: ['completed'] }] } }) });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(/^options\.notify\[0\]: url .* is not an allowed notification host$/);
      expect(r.body.field).toBe('options.notify[0].url');
    }
    const secretInRequest = await api.call('POST', '/api/deployments', { role: 'deployer', body: deployBody({ files: { 'main.tf': terraformCode() }, options: { notify: [{ url: hook, events: ['completed'], secret: 'callers-may-not-sign-0123' }] } }) });
    expect(secretInRequest.status).toBe(400);
    expect((await api.call('GET', '/api/deployments', { role: 'viewer' })).body.deployments).toEqual(before.body.deployments);
  });

  it('a deployment subscribed in options.notify is delivered signed after a retry; GET /notifications shows every attempt; /metrics counts them', async () => {
    // The receiver fails the first post to this URL (its query included).
    receiver.on('/hook?token=abc', { failFirst: 1 });
    const r = await api.call('POST', '/api/deployments', { role: 'deployer', body: deployBody({ files: { 'main.tf': terraformCode() }, options: { autoApprove: true, notify: [{ url: `${hook}?token=abc`, events: ['completed', 'failed'] }] } }) });
    expect(r.status).toBe(202);
    const id = r.body.deploymentId;
    expect((await api.waitForStatus(id, ['completed', 'failed'])).status).toBe('completed');
    let log: { status: number; body: NotificationLog } = { status: 0, body: { deploymentId: id, deliveries: [] } };
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((res) => setTimeout(res, 50))) {
      log = await api.call('GET', `/api/deployments/${id}/notifications`, { role: 'viewer' });
      if (log.body.deliveries?.some((d) => d.outcome === 'delivered')) break;
    }
    expect(log.status).toBe(200);
    expect(log.body.deliveries.map((d) => [d.event, d.outcome, d.attempt, d.statusCode])).toEqual([
      ['completed', 'queued', 0, null],
      ['completed', 'retrying', 1, 500],
      ['completed', 'delivered', 2, 204],
    ]);
    // A per-deployment URL is a credential too (a token in its path or query): its origin only, everywhere.
    expect(log.body.deliveries[2].subscription).toEqual({ source: 'deployment', key: '0', url: `${receiver.url}/…`, format: 'webhook' });
    const got = receiver.accepted('/hook?token=abc')[0]!;
    expect(verifyWebhookSignature({ secret: SECRET, body: got.body, header: got.headers['x-orchestrator-signature'], deliveryId: got.headers['x-orchestrator-delivery'] })).toMatchObject({ ok: true });
    expect(JSON.parse(got.body).links).toEqual({ console: `https://orch.example.com/ui/#/deployments/${id}`, plan: `https://orch.example.com/api/deployments/${id}` });
    const metrics = await api.call('GET', '/metrics', { role: null });
    expect(metrics.body).toMatch(/iac_orchestrator_notifications_total\{outcome="delivered",event="completed"\} 1/);
    expect(metrics.body).toMatch(/iac_orchestrator_notifications_total\{outcome="retrying",event="completed"\} 1/);
    const seen = [log.body, (await api.call('GET', `/api/deployments/${id}`)).body, metrics.body, (await api.call('GET', `/api/deployments/${id}/logs`)).body];
    expect(JSON.stringify(seen)).not.toContain(SECRET);
    expect(JSON.stringify(seen)).not.toContain('token=abc');
    expect(JSON.stringify(seen)).not.toContain('/hook');
  });

  it('GET /notifications of an unknown deployment is a 404', async () => {
    expect((await api.call('GET', '/api/deployments/00000000-0000-4000-8000-000000000000/notifications', { role: 'viewer' })).status).toBe(404);
  });
});

describe('notification configuration', () => {
  const base = { ORCHESTRATOR_DATA_DIR: '/tmp/notify-config-test' };
  it('reads subscriptions, secret, allowed hosts and the public URL from the environment', () => {
    const c = loadConfig({
      ...base,
      ORCHESTRATOR_NOTIFY: JSON.stringify([{ id: 'ops', url: 'https://hooks.slack.com/services/T/B/X', events: ['awaiting_approval'], format: 'slack' }, { url: 'https://ci.example.com/hook', events: ['failed'], secret: 'own-secret-0123456789' }]),
      ORCHESTRATOR_NOTIFY_SECRET: SECRET,
      ORCHESTRATOR_NOTIFY_ALLOWED_HOSTS: 'hooks.slack.com, http://127.0.0.1:8080',
      ORCHESTRATOR_PUBLIC_URL: 'https://orch.example.com',
      ORCHESTRATOR_NOTIFY_MAX_ATTEMPTS: '5',
      ORCHESTRATOR_NOTIFY_CONNECT_TIMEOUT_MS: '1500',
      ORCHESTRATOR_NOTIFY_MAX_CONCURRENT: '3',
    });
    expect(c.notifications).toMatchObject({ secret: SECRET, allowedHosts: ['hooks.slack.com', 'http://127.0.0.1:8080'], publicUrl: 'https://orch.example.com', maxAttempts: 5, connectTimeoutMs: 1500, maxConcurrentDeliveries: 3 });
    expect(c.notifications.subscriptions).toHaveLength(2);
    expect(c.notifications.subscriptions![1]).toMatchObject({ format: 'webhook', secret: 'own-secret-0123456789' });
  });

  it('refuses bad notification settings with a message that names the variable and never the secret', () => {
    const bad = [
      { ORCHESTRATOR_NOTIFY: `[{"url":"https://x.example.com","events":["completed"],"secret":"${SECRET}"` },
      { ORCHESTRATOR_NOTIFY: JSON.stringify([{ url: 'ftp://x.example.com', events: ['completed'], secret: SECRET }]) },
      { ORCHESTRATOR_NOTIFY: JSON.stringify([{ url: 'https://x.example.com', events: ['completed'] }]) },
      { ORCHESTRATOR_NOTIFY_SECRET: 'short' },
    ];
    for (const env of bad) {
      let error: unknown;
      try {
        loadConfig({ ...base, ...env });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/ORCHESTRATOR_NOTIFY/);
      expect((error as Error).message).not.toContain(SECRET);
      expect((error as Error).message).not.toContain('short');
    }
  });
});

describe.skipIf(!terraformAvailable())('the service configured from the environment notifies (startService)', () => {
  it('ORCHESTRATOR_NOTIFY subscriptions get signed deliveries; the secrets are in no log line', async () => {
    const receiver = await new Receiver().start();
    const dir = await mkdtemp(join(tmpdir(), 'notify-service-'));
    const lines: string[] = [];
    const own = 'configured-own-secret-0123456789';
    const config = loadConfig({
      PORT: '0',
      ORCHESTRATOR_DATA_DIR: join(dir, 'data'),
      TERRAFORM_WORK_DIR: join(dir, 'tf'),
      ORCHESTRATOR_EXECUTORS: 'terraform',
      ORCHESTRATOR_SANDBOX: 'none',
      ORCHESTRATOR_NOTIFY: JSON.stringify([{ id: 'ci', url: receiver.on('/ci', { failFirst: 1 }), events: ['completed'], secret: own }]),
      ORCHESTRATOR_NOTIFY_SECRET: SECRET,
      ORCHESTRATOR_NOTIFY_RETRY_BASE_MS: '100',
      LOG_LEVEL: 'debug',
    });
    const { logger } = createLogger(config, new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) }));
    const service = await startService(config, { logger });
    try {
      const r = await fetch(`${service.url}/api/deployments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(deployBody({ files: { 'main.tf': terraformCode() } })) });
      expect(r.status).toBe(202);
      const { deploymentId } = (await r.json()) as { deploymentId: string };
      let log: NotificationLog = { deploymentId, deliveries: [] };
      for (const deadline = Date.now() + 90_000; Date.now() < deadline && !log.deliveries.some((d) => d.outcome === 'delivered'); await new Promise((res) => setTimeout(res, 100))) {
        log = (await (await fetch(`${service.url}/api/deployments/${deploymentId}/notifications`)).json()) as NotificationLog;
      }
      expect(log.deliveries.map((d) => [d.outcome, d.attempt])).toEqual([['queued', 0], ['retrying', 1], ['delivered', 2]]);
      expect(log.deliveries[0]!.subscription).toEqual({ source: 'configured', key: 'ci', url: `${receiver.url}/…`, format: 'webhook' });
      const got = receiver.accepted('/ci')[0]!;
      expect(verifyWebhookSignature({ secret: own, body: got.body, header: got.headers['x-orchestrator-signature'], deliveryId: got.headers['x-orchestrator-delivery'] })).toMatchObject({ ok: true });
      expect(verifyWebhookSignature({ secret: SECRET, body: got.body, header: got.headers['x-orchestrator-signature'], deliveryId: got.headers['x-orchestrator-delivery'] })).toMatchObject({ ok: false });
    } finally {
      await service.close();
      await receiver.stop();
      await rm(dir, { recursive: true, force: true });
    }
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('')).not.toContain(SECRET);
    expect(lines.join('')).not.toContain(own);
  });
});
