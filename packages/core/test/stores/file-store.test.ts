import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stackHash } from '../../src/stack.js';
import { FileStateStore } from '../../src/stores/file-store.js';
import { logEntry, makeDeployment, versionPayload } from '../../src/testing/store-conformance-fixtures.js';

const stackKey = 'bp/prod/aws/terraform';
const KEY = Buffer.alloc(32, 7).toString('base64');
const SECRETS = ['hunter2-variable', 'raw-state-secret', 'output-secret', 'bundle-secret', 'plan-secret', 'log-secret', 'audit-secret', 'attr-secret'];

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    out.push(...(entry.isDirectory() ? await walk(p) : [p]));
  }
  return out;
}

/** Writes one of every record, each carrying a secret string. */
async function writeEverything(store: FileStateStore) {
  await store.putDeployment(makeDeployment({ id: 'dep-1', options: { autoApprove: false, dryRun: false, parallelism: 10, variables: { db_password: 'hunter2-variable' }, sensitiveVariables: ['db_password'], executor: {} } }));
  await store.appendLogs('dep-1', [logEntry('connecting with log-secret')]);
  await store.putBundle({ digest: 'sha256:1', files: { 'main.tf': 'password = "bundle-secret"' } });
  await store.putPlan({ deploymentId: 'dep-1', baseVersion: 0, summary: { add: 1, change: 0, destroy: 0, hasChanges: true, resources: [] }, artifact: { tfplan: 'plan-secret' }, createdAt: new Date().toISOString() });
  const lock = await store.acquireLock({ stackKey, operation: 'apply', who: 'alice', ttlMs: 60_000 });
  const version = { ...versionPayload(stackKey, 1), raw: { secret: 'raw-state-secret' }, outputs: { token: 'output-secret' } };
  version.resources[0].attributes = { password: 'attr-secret' };
  await store.writeStateVersion({ stackKey, expectedVersion: 0, lockId: lock.lockId, token: lock.token, retention: 10, version });
  await store.appendAudit({ at: new Date().toISOString(), who: 'alice', action: 'approve', stackKey, deploymentId: 'dep-1', detail: { comment: 'audit-secret' } });
  return lock;
}

async function filesContaining(dataDir: string, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const file of await walk(dataDir)) {
    const text = await readFile(file, 'utf8');
    for (const n of needles) if (text.includes(n)) hits.push(`${file}: ${n}`);
  }
  return hits;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = execa('node', ['-e', '']);
  await child;
  return child.pid!;
}

describe('FileStateStore on disk', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'file-store-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('survives a restart: a new instance on the same directory reads everything back', async () => {
    const lock = await writeEverything(new FileStateStore({ dataDir }));
    const reopened = new FileStateStore({ dataDir });
    expect(reopened.capabilities).toEqual({ crossProcess: true, durable: true, encryptionAtRest: false });
    expect((await reopened.getDeployment('dep-1'))?.options.variables).toEqual({ db_password: 'hunter2-variable' });
    expect((await reopened.readLogs('dep-1')).entries.map((e) => e.message)).toEqual(['connecting with log-secret']);
    expect((await reopened.getBundle('sha256:1'))?.files['main.tf']).toContain('bundle-secret');
    expect((await reopened.getPlan('dep-1'))?.artifact).toEqual({ tfplan: 'plan-secret' });
    expect((await reopened.getStateVersion(stackKey))?.raw).toEqual({ secret: 'raw-state-secret' });
    expect(await reopened.getLock(stackKey)).toEqual(lock);
    expect((await reopened.listAudit({ limit: 10 }))[0].detail).toEqual({ comment: 'audit-secret' });
  });

  it('lays files out as documented', async () => {
    await writeEverything(new FileStateStore({ dataDir }));
    const h = stackHash(stackKey);
    for (const p of ['format.json', 'deployments/dep-1.json', 'logs/dep-1.ndjson', 'plans/dep-1.json', `stacks/${h}/lock.json`, `stacks/${h}/versions/0000000001.json`, 'audit.ndjson']) {
      expect((await stat(join(dataDir, p))).isFile(), p).toBe(true);
    }
    // Raw state holds secrets: only the owner may read the store, whatever the umask.
    for (const file of await walk(dataDir)) expect((await stat(file)).mode & 0o077, file).toBe(0);
    for (const dir of [dataDir, join(dataDir, 'stacks', h, 'versions')]) expect((await stat(dir)).mode & 0o077, dir).toBe(0);
    // Without a key the records are plain JSON: the secret scan below is not vacuous.
    expect(await filesContaining(dataDir, SECRETS)).toHaveLength(SECRETS.length);
  });

  it('with a key, no secret is on disk in plain text, and only the same key reads it back', async () => {
    const store = new FileStateStore({ dataDir, encryptionKey: KEY });
    expect(store.capabilities.encryptionAtRest).toBe(true);
    await writeEverything(store);
    expect(await filesContaining(dataDir, SECRETS)).toEqual([]);

    const same = new FileStateStore({ dataDir, encryptionKey: KEY });
    expect((await same.getStateVersion(stackKey))?.raw).toEqual({ secret: 'raw-state-secret' });
    expect((await same.getBundle('sha256:1'))?.files['main.tf']).toContain('bundle-secret');
    expect((await same.listDeployments({ blueprintId: 'bp', status: 'pending', limit: 10 })).items.map((d) => d.id)).toEqual(['dep-1']);

    const noKey = new FileStateStore({ dataDir });
    await expect(noKey.getStateVersion(stackKey)).rejects.toMatchObject({ code: 'ENCRYPTION_ERROR', message: expect.stringMatching(/set STATE_ENCRYPTION_KEY/) });
    const wrongKey = new FileStateStore({ dataDir, encryptionKey: Buffer.alloc(32, 8).toString('base64') });
    await expect(wrongKey.getBundle('sha256:1')).rejects.toMatchObject({ code: 'ENCRYPTION_ERROR' });
  });

  it('ignores a log line torn by a crash and cuts it off at the next append', async () => {
    const store = new FileStateStore({ dataDir });
    await store.appendLogs('dep-1', [logEntry('one'), logEntry('two')]);
    const file = join(dataDir, 'logs', 'dep-1.ndjson');
    await appendFile(file, '{"timestamp":"2026-01-01T00:00:00Z","lev');
    expect((await store.readLogs('dep-1')).entries.map((e) => e.message)).toEqual(['one', 'two']);
    await store.appendLogs('dep-1', [logEntry('three')]);
    const page = await store.readLogs('dep-1', { cursor: 2 });
    expect(page).toMatchObject({ nextCursor: 3, entries: [{ message: 'three' }] });
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    expect(lines.map((l) => JSON.parse(l).message)).toEqual(['one', 'two', 'three']);
  });

  it('reads logs incrementally by cursor while another instance appends', async () => {
    const reader = new FileStateStore({ dataDir });
    const writer = new FileStateStore({ dataDir });
    await writer.appendLogs('dep-1', [logEntry('m0'), logEntry('m1'), logEntry('m2')]);
    const seen: string[] = [];
    let cursor = 0;
    for (let round = 0; round < 3; round++) {
      for (;;) {
        const page = await reader.readLogs('dep-1', { cursor, limit: 2 });
        seen.push(...page.entries.map((e) => e.message));
        if (page.entries.length === 0) break;
        cursor = page.nextCursor;
      }
      await writer.appendLogs('dep-1', [logEntry(`m${3 + round * 2}`), logEntry(`m${4 + round * 2}`)]);
    }
    seen.push(...(await reader.readLogs('dep-1', { cursor })).entries.map((e) => e.message));
    expect(seen).toEqual(Array.from({ length: 9 }, (_, i) => `m${i}`));
    expect((await reader.readLogs('dep-1', { cursor: 1, limit: 3 })).entries.map((e) => e.message)).toEqual(['m1', 'm2', 'm3']);
    expect(await reader.readLogs('dep-1', { cursor: 50 })).toEqual({ entries: [], nextCursor: 9 });
  });

  it('recovers a stack mutex left by a dead process, and one too old to be live', async () => {
    const store = new FileStateStore({ dataDir });
    await store.init();
    const mutex = join(dataDir, 'mutex', `stack-${stackHash(stackKey)}.lock`);
    await writeFile(mutex, JSON.stringify({ pid: await deadPid(), host: (await import('node:os')).hostname(), nonce: 'dead', at: new Date().toISOString() }));
    const lock = await store.acquireLock({ stackKey, operation: 'apply', who: 'alice', ttlMs: 60_000 });
    expect(lock.token).toBe(1);

    await writeFile(mutex, JSON.stringify({ pid: process.pid, host: 'another-host', nonce: 'old', at: new Date(0).toISOString() }));
    const past = new Date(Date.now() - 120_000);
    await utimes(mutex, past, past);
    expect(await store.releaseLock(stackKey, lock.lockId)).toBe(true);
    await expect(readFile(mutex)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('waits for a live mutex holder instead of breaking it', async () => {
    const store = new FileStateStore({ dataDir });
    await store.init();
    const mutex = join(dataDir, 'mutex', `stack-${stackHash(stackKey)}.lock`);
    await writeFile(mutex, JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), nonce: 'live', at: new Date().toISOString() }));
    let acquired = false;
    const pending = store.acquireLock({ stackKey, operation: 'apply', who: 'alice', ttlMs: 60_000 }).then((l) => {
      acquired = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(acquired).toBe(false);
    await rm(mutex);
    expect((await pending).who).toBe('alice');
  });

  it('sweeps temp files of dead writers at init and keeps those of live ones', async () => {
    await new FileStateStore({ dataDir }).init();
    const dead = join(dataDir, 'deployments', `.d.json.${await deadPid()}.0123456789ab.tmp`);
    const live = join(dataDir, 'deployments', `.d.json.${process.pid}.0123456789ab.tmp`);
    await writeFile(dead, '{"half');
    await writeFile(live, '{"half');
    await new FileStateStore({ dataDir }).init();
    await expect(stat(dead)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await stat(live)).isFile()).toBe(true);
  });

  it('keeps ids that are not file names inside the data directory', async () => {
    const store = new FileStateStore({ dataDir });
    const id = '../../escaped/dep';
    await store.putDeployment(makeDeployment({ id }));
    expect((await store.getDeployment(id))?.id).toBe(id);
    const files = await readdir(join(dataDir, 'deployments'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^~[0-9a-f]{64}\.json$/);
    await expect(stat(join(dataDir, '..', 'escaped'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a data directory in a layout it does not know, and changes nothing in it', async () => {
    await writeFile(join(dataDir, 'format.json'), JSON.stringify({ store: 'iac-orchestrator-file-store', v: 2 }));
    const store = new FileStateStore({ dataDir });
    await expect(store.getDeployment('dep-1')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringMatching(/format\.json/) });
    await expect(store.putDeployment(makeDeployment({ id: 'dep-1' }))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(JSON.parse(await readFile(join(dataDir, 'format.json'), 'utf8'))).toEqual({ store: 'iac-orchestrator-file-store', v: 2 });
    await expect(stat(join(dataDir, 'deployments', 'dep-1.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses bad input with a ValidationError and writes nothing', async () => {
    expect(() => new FileStateStore({ dataDir: '' })).toThrow(/dataDir/);
    const store = new FileStateStore({ dataDir });
    await expect(store.putDeployment({ id: '' } as never)).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(store.appendLogs('dep-1', [{ nope: true } as never])).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await store.appendLogs('dep-1', [logEntry('kept')]);
    await expect(store.appendLogs('dep-1', [logEntry('fine'), { nope: true } as never])).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect((await readdir(join(dataDir, 'deployments')))).toEqual([]);
    expect((await store.readLogs('dep-1')).entries.map((e) => e.message)).toEqual(['kept']);
  });

  it('replaceDeployment: gets past a deployment mutex left by a killed process, and refuses an unbumped revision', async () => {
    const store = new FileStateStore({ dataDir, encryptionKey: KEY });
    const d = makeDeployment({ id: 'dep-cas' });
    await store.putDeployment(d);
    const mutex = join(dataDir, 'mutex', `deployment-${createHash('sha256').update(d.id).digest('hex').slice(0, 32)}.lock`);
    await writeFile(mutex, JSON.stringify({ pid: await deadPid(), host: (await import('node:os')).hostname(), nonce: 'dead', at: new Date().toISOString() }));
    expect(await store.replaceDeployment({ ...d, status: 'planning', revision: 1 }, 0)).toBe(true);
    await expect(readFile(mutex)).rejects.toMatchObject({ code: 'ENOENT' });
    // The same revision again, or a skipped one, would defeat the next writer's compare: refused outright.
    await expect(store.replaceDeployment({ ...d, status: 'failed', revision: 1 }, 1)).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(store.replaceDeployment({ ...d, status: 'failed', revision: 3 }, 1)).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(store.replaceDeployment({ ...d, status: 'failed', revision: 0 }, -1)).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(await store.getDeployment(d.id)).toEqual({ ...d, status: 'planning', revision: 1 });
  });
});
