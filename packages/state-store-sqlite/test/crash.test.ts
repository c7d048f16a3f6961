import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versionPayload } from '../../core/src/testing/store-conformance-fixtures.js';
import { SqliteStateStore } from '../src/index.js';
import { bundleFixture } from './support.js';

const stackKey = 'bp/dev/aws/terraform';
// A raw 32-byte key: a passphrase would spend an scrypt derivation in every process start.
const key = 'a1'.repeat(32);
const ROUNDS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SQLite's own check of the file: every page, index and constraint consistent. */
function integrity(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

describe('SqliteStateStore under kill -9', () => {
  let workDir: string;
  let dataDir: string;
  let writer: string;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'sqlite-store-kill-'));
    dataDir = join(workDir, 'data');
    writer = join(workDir, 'writer.mjs');
    await bundleFixture('writer.ts', writer);
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it(`survives ${ROUNDS} SIGKILLs of a writer at random moments: the database is intact, opens and serves reads`, { timeout: 240_000 }, async () => {
    let lastVersion = 0;
    let minimumVersions = 0;
    const logCounts = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      const child = execa('node', [writer, dataDir, key], { timeout: 60_000, reject: false });
      // Kill after a random number of complete rounds (so progress does not depend on machine speed),
      // at a random moment inside the next one.
      const rounds = Math.floor(Math.random() * 3);
      await new Promise<void>((resolve, reject) => {
        let ticks = -1;
        child.stdout!.on('data', (chunk: Buffer) => {
          ticks += (chunk.toString().match(/ready|tick/g) ?? []).length;
          if (ticks >= rounds) resolve();
        });
        void child.then((r) => reject(new Error(`writer exited before it was killed: ${r.stderr}`)));
      });
      minimumVersions += rounds;
      await sleep(Math.random() * 60);
      child.kill('SIGKILL');
      const result = await child;
      expect(result.signal, `the writer died on its own: ${result.stderr}`).toBe('SIGKILL');

      const store = new SqliteStateStore({ dataDir, encryptionKey: key });
      await store.init();
      expect(integrity(join(dataDir, 'orchestrator.sqlite'))).toBe('ok');

      // A kill right after "ready" may come before the first version: then there is none, and never fewer later.
      const V = (await store.getStateVersion(stackKey))?.version ?? 0;
      expect(V).toBeGreaterThanOrEqual(lastVersion);
      lastVersion = V;
      const history = await store.listStateVersions(stackKey, { limit: 10_000 });
      expect(history.map((v) => v.version)).toEqual(Array.from({ length: V }, (_, i) => V - i));
      // Retention 3, trimmed in the same transaction as the write: exactly the newest 3 keep raw state.
      for (const v of history) {
        const full = await store.getStateVersion(stackKey, v.version);
        expect(full?.deploymentId).toBe(`dep-${v.version}`);
        expect(full?.retained, `version ${v.version} of ${V}`).toBe(v.version > V - 3);
        expect(full?.raw).toEqual(full?.retained ? versionPayload(stackKey, v.version).raw : null);
      }

      const deployments = await store.listDeployments({ limit: 100 });
      for (const d of deployments.items) {
        expect(await store.getDeployment(d.id)).toEqual(d);
        const logs = await store.readLogs(d.id, { limit: 10_000 });
        // Each append is one transaction of two lines: a log never ends half-way through one.
        expect(logs.entries.length % 2).toBe(0);
        expect(logs.entries.length).toBeGreaterThanOrEqual(logCounts.get(d.id) ?? 0);
        logCounts.set(d.id, logs.entries.length);
      }
      for (const entry of await store.listAudit({ stackKey, limit: 5 })) expect(entry.action).toBe('write');
      await store.close();
    }
    expect(lastVersion, 'every completed round of the writers wrote a version').toBeGreaterThanOrEqual(minimumVersions);
    console.info(`[kill -9 loop] ${ROUNDS} kills, ${lastVersion} versions written`);

    // Sealed at rest: the writer's secret variable and raw state never reach the files in plain text.
    for (const name of await readdir(dataDir)) {
      const bytes = await readFile(join(dataDir, name));
      expect(bytes.includes('hunter2'), name).toBe(false);
      expect(bytes.includes('serial'), name).toBe(false);
    }

    // A process that finds the dead writer's lock takes it over and keeps writing on top.
    const store = new SqliteStateStore({ dataDir, encryptionKey: key });
    await store.forceReleaseLock(stackKey);
    const lock = await store.acquireLock({ stackKey, operation: 'apply', who: 'recovery', ttlMs: 60_000 });
    const next = await store.writeStateVersion({ stackKey, expectedVersion: lastVersion, lockId: lock.lockId, token: lock.token, retention: 3, version: versionPayload(stackKey, lastVersion + 1) });
    expect(next.version).toBe(lastVersion + 1);
    const after = await store.listStateVersions(stackKey, { limit: 10_000 });
    expect(after.filter((v) => v.retained).map((v) => v.version)).toEqual([lastVersion + 1, lastVersion, lastVersion - 1].filter((n) => n > 0));
    await store.close();
  });
});
