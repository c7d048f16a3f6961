import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStateStore, type LogPage } from '@iac-orchestrator/core';
import { ApiHarness, deployBody, TOKENS, terraformAvailable } from './support/harness.js';
import { terraformCode } from './support/stub-generator.js';

/** The real memory store, counting (and slowing) log reads: how a leaked poller shows. */
class CountingStore extends MemoryStateStore {
  logReads = 0;
  /** While set, log reads wait for it: the test holds every stream's first read open. */
  gate: Promise<void> | null = null;
  override async readLogs(deploymentId: string, query: { cursor: number; limit: number }): Promise<LogPage> {
    this.logReads++;
    if (this.gate) await this.gate;
    return super.readLogs(deploymentId, query);
  }
}

/** Opens a stream request; `drop` destroys the connection (before any answer, while the gate holds). */
function openThenDrop(url: string, path: string, token: string): { drop: () => void; closed: Promise<void> } {
  const u = new URL(url);
  const req = request({ host: u.hostname, port: u.port, path, headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } });
  const closed = new Promise<void>((resolve) => {
    req.on('error', () => resolve());
    req.on('close', () => resolve());
  });
  req.end();
  return { drop: () => req.destroy(), closed };
}

/** Opens a stream and resolves once its first bytes arrived; `close` drops it. */
async function openStream(url: string, token: string): Promise<{ status: number; close: () => void; body: string }> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` }, signal: ac.signal });
  if (res.status !== 200) return { status: res.status, close: () => ac.abort(), body: await res.text() };
  const reader = res.body!.getReader();
  await reader.read();
  return { status: 200, close: () => ac.abort(), body: '' };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Issue 12, live logs: every poller belongs to a connection and ends with it; streams per token are capped. */
describe.skipIf(!terraformAvailable())('REST: live log streams hold against dropped and greedy clients', () => {
  const store = new CountingStore();
  const api = new ApiHarness();
  let id = '';
  beforeAll(async () => {
    await api.start({ orchestrator: { store }, server: { maxStreamsPerToken: 400 } });
    // A production plan waits for approval: its log stream stays open (and polls) until then.
    const r = await api.call('POST', '/api/deployments', { role: 'deployer', body: deployBody({ environment: 'production', files: { 'main.tf': terraformCode() }, options: { autoApprove: false } }) });
    id = r.body.deploymentId;
    await api.waitForStatus(id, ['awaiting_approval']);
  });
  afterAll(() => api.stop());

  const gauge = async () => Number(/^iac_orchestrator_log_streams_active (\d+)/m.exec((await api.call('GET', '/metrics', { role: null })).body)?.[1]);

  it('300 clients that drop before the stream starts leave no poller running', { timeout: 180_000 }, async () => {
    let open!: () => void;
    store.gate = new Promise<void>((r) => (open = r)); // every stream's first read stays pending
    const readsBefore = store.logReads;
    const clients = Array.from({ length: 300 }, () => openThenDrop(api.url, `/api/deployments/${id}/logs`, TOKENS.viewer));
    // Each client goes only once every request has reached the stream's first read (else this proves nothing).
    const deadline = Date.now() + 90_000;
    while (store.logReads - readsBefore < 300 && Date.now() < deadline) await settle(50);
    expect(store.logReads - readsBefore).toBe(300);
    for (const c of clients) c.drop();
    await Promise.all(clients.map((c) => c.closed));
    await settle(300);
    store.gate = null;
    open();
    await settle(1_000); // the pending first reads have returned by now
    const before = store.logReads;
    await settle(5_000); // more than two poll intervals
    expect(store.logReads - before).toBe(0);
    expect(await gauge()).toBe(0);
  });

  it('a stream that was open ends its poller when its client goes', async () => {
    const s = await openStream(`${api.url}/api/deployments/${id}/logs`, TOKENS.viewer);
    expect(s.status).toBe(200);
    expect(await gauge()).toBe(1);
    s.close();
    await settle(500);
    expect(await gauge()).toBe(0);
    const before = store.logReads;
    await settle(4_500);
    expect(store.logReads - before).toBe(0);
  });
});

describe.skipIf(!terraformAvailable())('REST: concurrent live streams per token are capped', () => {
  const api = new ApiHarness();
  let id = '';
  beforeAll(async () => {
    await api.start({ server: { maxStreamsPerToken: 3 } });
    const r = await api.call('POST', '/api/deployments', { role: 'deployer', body: deployBody({ environment: 'production', files: { 'main.tf': terraformCode() }, options: { autoApprove: false } }) });
    id = r.body.deploymentId;
    await api.waitForStatus(id, ['awaiting_approval']);
  });
  afterAll(() => api.stop());

  it('the 4th stream of a token gets 429 in the service\'s error shape; another token and a freed slot still get one', async () => {
    const url = `${api.url}/api/deployments/${id}/logs`;
    const open = [await openStream(url, TOKENS.viewer), await openStream(url, TOKENS.viewer), await openStream(url, TOKENS.viewer)];
    expect(open.map((s) => s.status)).toEqual([200, 200, 200]);
    const refused = await openStream(url, TOKENS.viewer);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toEqual({ error: 'Too many live log streams for this token (at most 3 at once): close one first' });
    const other = await openStream(url, TOKENS.deployer);
    expect(other.status).toBe(200);
    open[0].close();
    await settle(500);
    const again = await openStream(url, TOKENS.viewer);
    expect(again.status).toBe(200);
    for (const s of [...open, other, again]) s.close();
  });
});
