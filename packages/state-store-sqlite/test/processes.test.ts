import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeDeployment, versionPayload } from '../../core/src/testing/store-conformance-fixtures.js';
import { SqliteStateStore } from '../src/index.js';
import { bundleFixture } from './support.js';

const stackKey = 'bp/prod/aws/terraform';

/** What a contender prints: its result, or the code of the error it got. */
interface Outcome {
  ok: boolean;
  code?: string;
  value?: {
    lockId?: string;
    deploymentId?: string;
    written?: { version: number; token: number }[];
    failures?: string[];
    won?: number[];
    pid?: number;
  };
}

describe('SqliteStateStore across processes', () => {
  let workDir: string;
  let contender: string;
  let dataDir: string;
  const stores: SqliteStateStore[] = [];
  const open = (encryptionKey?: string) => {
    const store = new SqliteStateStore({ dataDir, encryptionKey });
    stores.push(store);
    return store;
  };

  /** Runs the contender in its own Node process (argv only, no shell). */
  async function runContender(args: string[], encryptionKey = ''): Promise<Outcome> {
    const { stdout } = await execa('node', [contender, ...args], { timeout: 60_000, env: { STORE_ENCRYPTION_KEY: encryptionKey } });
    return JSON.parse(stdout.trim().split('\n').pop()!) as Outcome;
  }

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'sqlite-store-proc-'));
    contender = join(workDir, 'contender.mjs');
    await bundleFixture('contender.ts', contender);
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    dataDir = await mkdtemp(join(workDir, 'data-'));
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  it('two processes acquiring the same stack lock at once: exactly one wins, the other sees the holder', async () => {
    const at = join(dataDir, 'barrier');
    const results = await Promise.all([runContender([dataDir, stackKey, 'acquire', at]), runContender([dataDir, stackKey, 'acquire', at])]);
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => r.code)).toEqual(['STATE_LOCKED']);
    expect((await open().getLock(stackKey))?.lockId).toBe(winners[0].value?.lockId);
  });

  it('two processes writing on the same expectedVersion at once: exactly one compare-and-set wins', async () => {
    const store = open();
    const lock = await store.acquireLock({ stackKey, operation: 'apply', who: 'parent', ttlMs: 60_000 });
    const args = [dataDir, stackKey, 'cas', join(dataDir, 'barrier'), lock.lockId, String(lock.token)];
    const results = await Promise.all([runContender(args), runContender(args)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => r.code)).toEqual(['CONFLICT']);
    const versions = await store.listStateVersions(stackKey, { limit: 10 });
    expect(versions.map((v) => v.version)).toEqual([1]);
    expect(versions[0].deploymentId).toBe(results.find((r) => r.ok)!.value?.deploymentId);
  });

  it('two processes taking turns under the lock: every write lands on the version before it, tokens only grow', async () => {
    const args = [dataDir, stackKey, 'loop', join(dataDir, 'barrier'), '', '', '15'];
    const results = await Promise.all([runContender(args), runContender(args)]);
    for (const r of results) expect(r.value?.failures).toEqual([]);
    const written = results.flatMap((r) => r.value?.written ?? []).sort((a, b) => a.version - b.version);
    expect(written.map((w) => w.version)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    for (let i = 1; i < written.length; i++) expect(written[i].token).toBeGreaterThan(written[i - 1].token);
    const store = open();
    expect((await store.getStateVersion(stackKey))?.version).toBe(30);
    expect(await store.getLock(stackKey)).toBeNull();
    const lock = await store.acquireLock({ stackKey, operation: 'apply', who: 'parent', ttlMs: 60_000 });
    const v = await store.writeStateVersion({ stackKey, expectedVersion: 30, lockId: lock.lockId, token: lock.token, retention: 10, version: versionPayload(stackKey, 31) });
    expect(v.version).toBe(31);
  });

  for (const [label, key] of [
    ['plain', ''],
    ['encrypted at rest', 'f'.repeat(64)],
  ] as const) {
    it(`two processes racing replaceDeployment on one record (${label}): exactly one wins every round`, async () => {
      const rounds = 20;
      const store = open(key || undefined);
      const created = makeDeployment({ id: 'dep-raced' });
      await store.putDeployment(created);
      const args = [dataDir, created.id, 'replace', join(dataDir, 'barrier'), '', '', String(rounds)];
      const results = await Promise.all([runContender(args, key), runContender(args, key)]);
      const [a, b] = results.map((r) => r.value?.won ?? []);
      // Each round has one winner: the two sets of won rounds are disjoint and together cover every round.
      expect([...a, ...b].sort((x, y) => x - y)).toEqual(Array.from({ length: rounds }, (_, i) => i + 1));
      const stored = await store.getDeployment(created.id);
      expect(stored?.revision).toBe(rounds);
      const lastWinner = results.find((r) => r.value?.won?.includes(rounds))!;
      expect(stored?.requestedBy).toBe(`pid-${lastWinner.value?.pid}`);
      expect(await store.replaceDeployment({ ...stored!, revision: rounds + 1 }, rounds)).toBe(true);
    });
  }
});
