import assert from 'node:assert/strict';
import type { StateStore } from '@iac-orchestrator/core';
import { hasCode, sleep, unique, versionPayload, withStore, writeRequest, type ConformanceIt, type StoreFactory } from './store-conformance-fixtures.js';

const lockFor = (store: StateStore, stackKey: string, ttlMs = 30_000, who = 'alice') =>
  store.acquireLock({ stackKey, operation: 'apply', who, info: 'conformance', ttlMs });

/** State versions: compare-and-set, fencing, numbering, retention and history. */
export function stateVersionConformance(it: ConformanceIt, factory: StoreFactory): void {
  it('state versions: numbered from 1 on top of expectedVersion, current and by number', () =>
    withStore(factory, async (store) => {
      const stack = unique('stack');
      assert.equal(await store.getStateVersion(stack), null);
      const lock = await lockFor(store, stack);
      const v1 = await store.writeStateVersion(writeRequest(stack, lock, 0));
      assert.equal(v1.version, 1);
      assert.equal(v1.retained, true);
      assert.ok(!Number.isNaN(Date.parse(v1.createdAt)));
      assert.deepEqual(v1.raw, versionPayload(stack, 1).raw);
      const v2 = await store.writeStateVersion(writeRequest(stack, lock, 1));
      assert.equal(v2.version, 2);
      assert.deepEqual(await store.getStateVersion(stack), v2);
      assert.deepEqual(await store.getStateVersion(stack, 1), v1);
      assert.equal(await store.getStateVersion(stack, 3), null);
    }));

  it('state versions: a write on a stale expectedVersion is a ConflictError and changes nothing', () =>
    withStore(factory, async (store) => {
      const stack = unique('stack');
      const lock = await lockFor(store, stack);
      await store.writeStateVersion(writeRequest(stack, lock, 0));
      await assert.rejects(store.writeStateVersion(writeRequest(stack, lock, 0, 99)), hasCode('CONFLICT'));
      await assert.rejects(store.writeStateVersion(writeRequest(stack, lock, 5, 99)), hasCode('CONFLICT'));
      const current = await store.getStateVersion(stack);
      assert.equal(current?.version, 1);
      assert.equal(current?.deploymentId, 'dep-1');
    }));

  it('state versions: exactly one of 10 concurrent writers on the same expectedVersion wins', () =>
    withStore(factory, async (store) => {
      const stack = unique('stack');
      const lock = await lockFor(store, stack);
      const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.writeStateVersion(writeRequest(stack, lock, 0, 100 + i))));
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(won.length, 1);
      assert.equal(lost.length, 9);
      for (const r of lost) assert.equal(r.reason?.code, 'CONFLICT', String(r.reason));
      const current = await store.getStateVersion(stack);
      assert.equal(current?.version, 1);
      assert.equal(current?.deploymentId, (won[0] as PromiseFulfilledResult<{ deploymentId: string }>).value.deploymentId);
      assert.equal((await store.listStateVersions(stack, { limit: 100 })).length, 1);
    }));

  it('state versions: with retention 10, 15 writes leave the oldest 5 as metadata only', () =>
    withStore(factory, async (store) => {
      const stack = unique('stack');
      const lock = await lockFor(store, stack);
      for (let v = 0; v < 15; v++) await store.writeStateVersion(writeRequest(stack, lock, v, v + 1, 10));
      for (let n = 1; n <= 15; n++) {
        const v = await store.getStateVersion(stack, n);
        assert.ok(v, `version ${n} must still exist`);
        const payload = versionPayload(stack, n);
        assert.equal(v.version, n);
        assert.equal(v.deploymentId, payload.deploymentId);
        assert.equal(v.bundleDigest, payload.bundleDigest);
        assert.deepEqual(v.resources, payload.resources);
        assert.deepEqual(v.outputs, payload.outputs);
        if (n <= 5) {
          assert.equal(v.retained, false, `version ${n} is past retention`);
          assert.equal(v.raw, null, `version ${n} must have lost its raw state`);
        } else {
          assert.equal(v.retained, true, `version ${n} is retained`);
          assert.deepEqual(v.raw, payload.raw);
        }
      }
    }));

  it('state versions: listed newest first, limited, without raw state', () =>
    withStore(factory, async (store) => {
      const stack = unique('stack');
      const lock = await lockFor(store, stack);
      for (let v = 0; v < 12; v++) await store.writeStateVersion(writeRequest(stack, lock, v, v + 1, 10));
      const all = await store.listStateVersions(stack, { limit: 100 });
      assert.deepEqual(all.map((v) => v.version), [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
      assert.ok(all.every((v) => v.raw === null));
      assert.deepEqual(all.map((v) => v.retained), [...Array(10).fill(true), false, false]);
      assert.deepEqual((await store.listStateVersions(stack, { limit: 3 })).map((v) => v.version), [12, 11, 10]);
      assert.deepEqual(await store.listStateVersions(unique('stack'), { limit: 3 }), []);
      assert.deepEqual((await store.getStateVersion(stack, 12))?.raw, versionPayload(stack, 12).raw);
    }));

  it('state versions: a write without the live lock, or with a wrong lockId or token, is a LockLostError', () =>
    withStore(factory, async (store) => {
      const stack = unique('stack');
      await assert.rejects(store.writeStateVersion(writeRequest(stack, { lockId: 'none', token: 1 }, 0)), hasCode('LOCK_LOST'));
      const lock = await lockFor(store, stack);
      await assert.rejects(store.writeStateVersion(writeRequest(stack, { lockId: 'other', token: lock.token }, 0)), hasCode('LOCK_LOST'));
      await assert.rejects(store.writeStateVersion(writeRequest(stack, { lockId: lock.lockId, token: lock.token + 1 }, 0)), hasCode('LOCK_LOST'));
      await store.releaseLock(stack, lock.lockId);
      await assert.rejects(store.writeStateVersion(writeRequest(stack, lock, 0)), hasCode('LOCK_LOST'));
      assert.equal(await store.getStateVersion(stack), null);
    }));

  it('state versions: a writer whose lease expired and was taken over is fenced out (LockLostError)', () =>
    withStore(factory, async (store) => {
      const stack = unique('stack');
      const stale = await lockFor(store, stack, 150, 'slow-writer');
      await sleep(300);
      const fresh = await lockFor(store, stack, 30_000, 'new-holder');
      assert.ok(fresh.token > stale.token);
      await assert.rejects(store.writeStateVersion(writeRequest(stack, stale, 0)), hasCode('LOCK_LOST'));
      assert.equal(await store.getStateVersion(stack), null);
      const written = await store.writeStateVersion(writeRequest(stack, fresh, 0));
      assert.equal(written.version, 1);
    }));

  it('state versions: bad input is a ValidationError and writes nothing', () =>
    withStore(factory, async (store) => {
      const stack = unique('stack');
      const lock = await lockFor(store, stack);
      await assert.rejects(store.writeStateVersion({ ...writeRequest(stack, lock, 0), retention: 0 }), hasCode('VALIDATION_ERROR'));
      await assert.rejects(store.writeStateVersion({ ...writeRequest(stack, lock, 0), expectedVersion: -1 }), hasCode('VALIDATION_ERROR'));
      await assert.rejects(store.writeStateVersion({ ...writeRequest(stack, lock, 0), version: versionPayload(unique('other'), 1) }), hasCode('VALIDATION_ERROR'));
      assert.equal(await store.getStateVersion(stack), null);
    }));
}
