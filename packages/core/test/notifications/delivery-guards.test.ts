/** Guards of a delivery: where it may connect, when it may go unsigned (never), what a record names. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Redactor, type Deployment, type NotificationDelivery } from '../../src/index.js';
import { Notifier } from '../../src/notifications/notifier.js';
import { isInternalAddress, postJson } from '../../src/notifications/http-post.js';
import { splitSecretVariables } from '../../src/orchestrator/secret-variables.js';
import { deployInput, harness, res, waitFor, type Harness } from '../orchestrator/helpers.js';
import { Receiver } from './receiver.js';

const SECRET = 'whsec-test-0123456789abcdef-never-shown';
let h: Harness | undefined;
let receiver: Receiver;
beforeEach(async () => { receiver = await new Receiver().start(); });
afterEach(async () => { await h?.dispose(); h = undefined; await receiver.stop(); });

it('loopback, private, link-local, CGNAT and mapped addresses are internal; public ones are not', () => {
  for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) expect(isInternalAddress(a), a).toBe(true);
  for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '172.32.0.1']) expect(isInternalAddress(a), a).toBe(false);
});

it('a per-deployment host name resolving to loopback is refused at delivery (dead letter), an allowed IP origin is posted to', async () => {
  const port = new URL(receiver.url).port;
  receiver.on('/by-name', {});
  await (h = await harness({ notifications: { secret: SECRET, retryBaseMs: 50, maxAttempts: 1, allowedHosts: [`http://localhost:${port}`] } }));
  const d = await h.orch.deploy(deployInput({ resources: [res('web')] }, { options: { notify: [{ url: `http://localhost:${port}/by-name`, events: ['completed'] }] } }));
  await waitFor(h.orch, d.id);
  let log: NotificationDelivery[] = [];
  for (const deadline = Date.now() + 5000; Date.now() < deadline && !log.some((e) => e.outcome === 'dead_letter'); await new Promise((r) => setTimeout(r, 25))) log = await h.orch.notificationLog(d.id);
  expect(log.find((e) => e.outcome === 'dead_letter')?.error).toMatch(/resolves to an internal address/);
  expect(receiver.received).toHaveLength(0);
  // Posting with the check off (a configured subscription, or an IP literal) reaches the same receiver.
  expect(await postJson(`http://localhost:${port}/by-name`, '{}', {}, { timeoutMs: 5000, connectTimeoutMs: 5000, publicAddressesOnly: false })).toEqual({ ok: true, statusCode: 204 });
  expect(await postJson(`${receiver.url}/by-name`, '{}', {}, { timeoutMs: 5000, connectTimeoutMs: 5000, publicAddressesOnly: true })).toEqual({ ok: true, statusCode: 204 });
});

it('a webhook subscription is never resolved for delivery without a secret; a record keeps only the origin, the sealed URL is what is posted to', () => {
  const host = { redactor: new Redactor(), options: { concurrency: 2 } } as never;
  const url = 'https://hooks.example.com/services/T/B/TOKEN?sig=SIG';
  const { options, secrets } = splitSecretVariables({ variables: {}, sensitiveVariables: [], executor: {}, autoApprove: true, dryRun: false, notify: [{ url, events: ['completed'], format: 'webhook' }] } as never);
  expect(JSON.stringify(options)).not.toContain('TOKEN');
  expect(options.notify![0]!.url).toBe('https://hooks.example.com/…');
  const d = { options } as Deployment;
  const sealed = Object.values(secrets).flat() as string[];
  const ref = { source: 'deployment' as const, key: '0' };
  expect(new Notifier(host, { allowedHosts: ['hooks.example.com'] }).resolve(ref, d, sealed)).toMatch(/never sent unsigned/);
  expect(new Notifier(host, { allowedHosts: ['hooks.example.com'], secret: SECRET }).resolve(ref, d, sealed)).toMatchObject({ url, secret: SECRET });
  // Without its sealed URL, the shown origin is never posted to; a record from before URLs were sealed still is.
  expect(new Notifier(host, { allowedHosts: ['hooks.example.com'], secret: SECRET }).resolve(ref, d, [])).toMatch(/not stored/);
  const legacy = { options: { ...options, notify: [{ url, events: ['completed'], format: 'webhook' }] } } as Deployment;
  expect(new Notifier(host, { allowedHosts: ['hooks.example.com'], secret: SECRET }).resolve(ref, legacy, [])).toMatchObject({ url });
  // A request cannot hand in a record's shown URL.
  expect(() => new Notifier(host, { allowedHosts: ['hooks.example.com'], secret: SECRET }).checkRequested([{ url: 'https://hooks.example.com/…', events: ['completed'], format: 'webhook' }])).toThrow(/full webhook URL/);
});

it('a deployment\'s notification URL is on no file of an encrypting store in plain text, and its drift check carries it', async () => {
  const { mkdtemp, readdir, readFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { FileStateStore } = await import('../../src/stores/file-store.js');
  const dataDir = await mkdtemp(join(tmpdir(), 'notify-sealed-'));
  try {
    const url = receiver.on('/services/T9/B9/FILETOKEN', {});
    const store = new FileStateStore({ dataDir, encryptionKey: Buffer.alloc(32, 7).toString('base64') });
    h = await harness({ store: store as never, notifications: { secret: SECRET, allowedHosts: [receiver.url] } });
    const d = await h.orch.deploy(deployInput({ resources: [res('web')] }, { options: { notify: [{ url, events: ['completed'], format: 'slack' }] } }));
    await waitFor(h.orch, d.id);
    const drift = await h.orch.detectDrift(d.id);
    await waitFor(h.orch, drift.id);
    for (const deadline = Date.now() + 5000; Date.now() < deadline && receiver.accepted('/services/T9/B9/FILETOKEN').length < 2; ) await new Promise((r) => setTimeout(r, 25));
    expect(receiver.accepted('/services/T9/B9/FILETOKEN')).toHaveLength(2);
    // Closed first: no write (a temp file renamed) while the directory is read.
    await h.dispose();
    h = undefined;
    const files = (await readdir(dataDir, { recursive: true, withFileTypes: true })).filter((f) => f.isFile()).map((f) => join(f.parentPath, f.name));
    const plain: string[] = [];
    for (const f of files) if ((await readFile(f)).includes('FILETOKEN')) plain.push(f);
    expect(plain).toEqual([]);
  } finally {
    await h?.dispose();
    h = undefined;
    await rm(dataDir, { recursive: true, force: true });
  }
});
