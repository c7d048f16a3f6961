import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStateStore, type StateStore } from '@iac-orchestrator/core';
import { at, auditEntry, logEntry, makeDeployment, versionPayload } from '../../core/src/testing/store-conformance-fixtures.js';
import { importFileStore, isFileStoreDir, SqliteStateStore } from '../src/index.js';

const stackA = 'bp/dev/aws/terraform';
const stackB = 'other/prod/aws/terraform';
// An id that is not a plain file name: the file store keeps it under a hashed name.
const oddId = 'dep/with spaces/é';

/** Fills a file store through its own API, as the service does today; returns what it wrote. */
async function writeFileStore(store: FileStateStore) {
  const deployments = Array.from({ length: 12 }, (_, i) =>
    makeDeployment({ id: i === 0 ? oddId : `dep-${i}`, blueprintId: i % 2 ? 'bp' : 'other', environment: i % 2 ? 'dev' : 'prod', status: i % 3 ? 'completed' : 'failed', createdAt: at(i), revision: i }),
  );
  for (const d of deployments) await store.putDeployment(d);
  for (const d of deployments.slice(0, 4)) await store.appendLogs(d.id, [logEntry(`${d.id} one`), logEntry(`${d.id} two`), logEntry(`${d.id} three`)]);
  await store.putBundle({ digest: 'sha256:b1', files: { 'main.tf': 'resource "x" "y" {}' } });
  await store.putPlan({ deploymentId: 'dep-1', baseVersion: 2, summary: { add: 1, change: 0, destroy: 0, hasChanges: true, resources: [] }, artifact: { plan: 'bytes' }, createdAt: at(1) });
  // Stack A: 5 versions with retention 3 (1 and 2 trimmed), lock released; stack B: one version, lock held.
  for (let n = 1; n <= 5; n++) {
    const lock = await store.acquireLock({ stackKey: stackA, operation: 'apply', who: 'me', ttlMs: 60_000 });
    await store.writeStateVersion({ stackKey: stackA, expectedVersion: n - 1, lockId: lock.lockId, token: lock.token, retention: 3, version: versionPayload(stackA, n) });
    await store.releaseLock(stackA, lock.lockId);
  }
  const held = await store.acquireLock({ stackKey: stackB, operation: 'apply', who: 'runner', ttlMs: 600_000, deploymentId: 'dep-2' });
  await store.writeStateVersion({ stackKey: stackB, expectedVersion: 0, lockId: held.lockId, token: held.token, retention: 3, version: versionPayload(stackB, 1) });
  for (let i = 0; i < 6; i++) await store.appendAudit(auditEntry(`action-${i}`, i % 2 ? stackA : stackB, `dep-${i}`));
  return { deployments, held };
}

/** Everything a caller can read, through the StateStore API only. */
async function snapshot(store: StateStore, ids: string[]) {
  const out: Record<string, unknown> = {};
  for (const id of ids) out[`deployment ${id}`] = [await store.getDeployment(id), await store.readLogs(id)];
  for (const q of [{ limit: 100 }, { blueprintId: 'bp', limit: 3 }, { environment: 'prod', limit: 100 }, { status: 'failed' as const, limit: 100 }, { stackKey: stackA, limit: 100 }]) {
    out[`list ${JSON.stringify(q)}`] = await store.listDeployments(q);
  }
  out.bundle = await store.getBundle('sha256:b1');
  out.plan = await store.getPlan('dep-1');
  for (const stackKey of [stackA, stackB]) {
    out[`history ${stackKey}`] = await store.listStateVersions(stackKey, { limit: 100 });
    for (let n = 1; n <= 5; n++) out[`version ${stackKey} ${n}`] = await store.getStateVersion(stackKey, n);
    out[`current ${stackKey}`] = await store.getStateVersion(stackKey);
    out[`lock ${stackKey}`] = await store.getLock(stackKey);
  }
  out.audit = await store.listAudit({ limit: 100 });
  out.auditA = await store.listAudit({ stackKey: stackA, limit: 100 });
  return out;
}

describe('importFileStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'import-file-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const [label, key] of [
    ['plain', undefined],
    ['encrypted at rest', 'c0'.repeat(32)],
  ] as const) {
    it(`moves a data dir written by today's FileStateStore (${label}): every record reads back the same`, async () => {
      const files = new FileStateStore({ dataDir: join(dir, 'files'), encryptionKey: key });
      const { deployments, held } = await writeFileStore(files);
      expect(await isFileStoreDir(join(dir, 'files'))).toBe(true);
      const ids = deployments.map((d) => d.id);
      const before = await snapshot(files, ids);

      const sqlite = new SqliteStateStore({ dataDir: join(dir, 'sqlite'), encryptionKey: key });
      const report = await importFileStore(sqlite, { from: join(dir, 'files'), encryptionKey: key });
      expect(report).toEqual({ deployments: 12, logEntries: 12, bundles: 1, plans: 1, stacks: 2, stateVersions: 6, auditEntries: 6, orphanLogs: 0 });
      expect(await snapshot(sqlite, ids)).toEqual(before);
      expect((await sqlite.getStateVersion(stackA, 1))?.retained).toBe(false);
      expect((await sqlite.getStateVersion(stackA, 5))?.raw).toEqual(versionPayload(stackA, 5).raw);

      // The held lock moved with its holder and its fencing counter: the holder writes on, tokens keep growing.
      const v2 = await sqlite.writeStateVersion({ stackKey: stackB, expectedVersion: 1, lockId: held.lockId, token: held.token, retention: 3, version: versionPayload(stackB, 2) });
      expect(v2.version).toBe(2);
      const a = await sqlite.acquireLock({ stackKey: stackA, operation: 'apply', who: 'next', ttlMs: 1000 });
      expect(a.token).toBe(6);
      await sqlite.close();
    });
  }

  it('refuses a target that already holds records, and leaves it unchanged', async () => {
    const files = new FileStateStore({ dataDir: join(dir, 'files') });
    await writeFileStore(files);
    const sqlite = new SqliteStateStore({ dataDir: join(dir, 'sqlite') });
    await sqlite.putDeployment(makeDeployment({ id: 'already-here' }));
    await expect(importFileStore(sqlite, { from: join(dir, 'files') })).rejects.toThrow(/not empty/);
    expect((await sqlite.listDeployments({ limit: 100 })).items.map((d) => d.id)).toEqual(['already-here']);
    await sqlite.close();
  });

  it('an encrypted file store without its key fails with an encryption error and imports nothing', async () => {
    const files = new FileStateStore({ dataDir: join(dir, 'files'), encryptionKey: 'c0'.repeat(32) });
    await writeFileStore(files);
    const sqlite = new SqliteStateStore({ dataDir: join(dir, 'sqlite') });
    await expect(importFileStore(sqlite, { from: join(dir, 'files') })).rejects.toMatchObject({ code: 'ENCRYPTION_ERROR' });
    expect((await sqlite.listDeployments({ limit: 1 })).items).toEqual([]);
    await sqlite.close();
  });

  it('a directory that is not a file store is refused', async () => {
    const sqlite = new SqliteStateStore({ dataDir: join(dir, 'sqlite') });
    await expect(importFileStore(sqlite, { from: dir })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await sqlite.close();
  });
});
