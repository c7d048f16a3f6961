import assert from 'node:assert/strict';
import type { Lock } from '@iac-orchestrator/core';
import type { StateStore } from '@iac-orchestrator/core';
import { hasCode, sleep, unique, withStore, type ConformanceIt, type StoreFactory } from './store-conformance-fixtures.js';

const acquire = (store: StateStore, stackKey: string, ttlMs = 30_000, who = 'alice') =>
  store.acquireLock({ stackKey, operation: 'apply', who, info: 'conformance', ttlMs, deploymentId: null });

/** Locks: exclusivity, lease expiry and takeover, renewal, release, force release, fencing tokens. */
export function lockConformance(it: ConformanceIt, factory: StoreFactory): void {
  it('locks: exclusive while live; StateLockedError names the holder; getLock shows it', () =>
    withStore(factory, async (store) => {
      const stack = unique('stack');
      assert.equal(await store.getLock(stack), null);
      const held = await acquire(store, stack, 30_000, 'alice');
      assert.equal(held.stackKey, stack);
      assert.equal(held.who, 'alice');
      assert.equal(held.operation, 'apply');
      assert.equal(held.info, 'conformance');
      assert.ok(Date.parse(held.expiresAt) > Date.parse(held.createdAt));
      await assert.rejects(acquire(store, stack, 30_000, 'bob'), (e: unknown) => {
        assert.ok(hasCode('STATE_LOCKED')(e), String(e));
        const holder = (e as { lock: Record<string, unknown> }).lock;
        assert.equal(holder.lockId, held.lockId);
        assert.equal(holder.who, 'alice');
        assert.equal(holder.operation, 'apply');
        assert.equal('token' in holder, false, 'the fencing token is not shown to others');
        return true;
      });
      assert.deepEqual(await store.getLock(stack), held);
      const other = await acquire(store, unique('stack'));
      assert.notEqual(other.lockId, held.lockId);
    }));

  it('locks: exactly one of 10 concurrent acquirers gets the lock', () =>
    withStore(factory, async (store) => {
      const stack = unique('stack');
      const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => acquire(store, stack, 30_000, `w${i}`)));
      const won = results.filter((r): r is PromiseFulfilledResult<Lock> => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const r of results) if (r.status === 'rejected') assert.equal(r.reason?.code, 'STATE_LOCKED', String(r.reason));
      assert.equal((await store.getLock(stack))?.lockId, won[0].value.lockId);
    }));

  it('locks: an expired lease counts as none and can be taken over with a greater token', () =>
    withStore(factory, async (store) => {
      const stack = unique('stack');
      const first = await acquire(store, stack, 150, 'crashed');
      await sleep(300);
      assert.equal(await store.getLock(stack), null);
      const second = await acquire(store, stack, 30_000, 'survivor');
      assert.ok(second.token > first.token);
      assert.equal((await store.getLock(stack))?.who, 'survivor');
      await assert.rejects(store.renewLock(stack, first.lockId, 30_000), hasCode('LOCK_LOST'));
      assert.equal(await store.releaseLock(stack, first.lockId), false);
      assert.equal((await store.getLock(stack))?.lockId, second.lockId);
    }));

  it('locks: renew extends the lease past its first expiry', () =>
    withStore(factory, async (store) => {
      const stack = unique('stack');
      // Long enough that a slow, fsyncing store still renews before the first lease runs out.
      const lock = await acquire(store, stack, 1_500);
      const renewed = await store.renewLock(stack, lock.lockId, 30_000);
      assert.equal(renewed.lockId, lock.lockId);
      assert.equal(renewed.token, lock.token);
      assert.ok(Date.parse(renewed.expiresAt) > Date.parse(lock.expiresAt));
      await sleep(Math.max(0, Date.parse(lock.expiresAt) - Date.now()) + 150);
      assert.equal((await store.getLock(stack))?.lockId, lock.lockId);
      await assert.rejects(acquire(store, stack, 30_000, 'bob'), hasCode('STATE_LOCKED'));
    }));

  it('locks: an expired lease cannot be renewed', () =>
    withStore(factory, async (store) => {
      const stack = unique('stack');
      const lock = await acquire(store, stack, 150);
      await sleep(300);
      await assert.rejects(store.renewLock(stack, lock.lockId, 30_000), hasCode('LOCK_LOST'));
    }));

  it('locks: renew or release under a wrong lockId fails and leaves the lock held', () =>
    withStore(factory, async (store) => {
      const stack = unique('stack');
      const lock = await acquire(store, stack);
      await assert.rejects(store.renewLock(stack, 'not-the-lock', 30_000), hasCode('LOCK_LOST'));
      assert.equal(await store.releaseLock(stack, 'not-the-lock'), false);
      assert.deepEqual(await store.getLock(stack), lock);
      assert.equal(await store.releaseLock(stack, lock.lockId), true);
      assert.equal(await store.getLock(stack), null);
      assert.equal(await store.releaseLock(stack, lock.lockId), false);
      await assert.rejects(store.renewLock(stack, lock.lockId, 30_000), hasCode('LOCK_LOST'));
    }));

  it('locks: force release removes and returns the holder; with none it returns null', () =>
    withStore(factory, async (store) => {
      const stack = unique('stack');
      assert.equal(await store.forceReleaseLock(stack), null);
      const lock = await acquire(store, stack);
      assert.deepEqual(await store.forceReleaseLock(stack), lock);
      assert.equal(await store.getLock(stack), null);
      assert.equal(await store.releaseLock(stack, lock.lockId), false);
      const next = await acquire(store, stack, 30_000, 'bob');
      assert.ok(next.token > lock.token);
    }));

  it('locks: the fencing token strictly increases across release, force release and takeover', () =>
    withStore(factory, async (store) => {
      const stack = unique('stack');
      const tokens: number[] = [];
      let lock = await acquire(store, stack);
      tokens.push(lock.token);
      for (let i = 0; i < 3; i++) {
        await store.releaseLock(stack, lock.lockId);
        lock = await acquire(store, stack);
        tokens.push(lock.token);
      }
      await store.forceReleaseLock(stack);
      lock = await acquire(store, stack, 150);
      tokens.push(lock.token);
      await sleep(300);
      lock = await acquire(store, stack);
      tokens.push(lock.token);
      for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i] > tokens[i - 1], `tokens must increase: ${tokens.join(', ')}`);
      const elsewhere = await acquire(store, unique('stack'));
      assert.ok(Number.isInteger(elsewhere.token) && elsewhere.token >= 0);
    }));

  it('locks: bad input is a ValidationError', () =>
    withStore(factory, async (store) => {
      await assert.rejects(acquire(store, unique('stack'), 0), hasCode('VALIDATION_ERROR'));
      await assert.rejects(store.acquireLock({ stackKey: '', operation: 'apply', who: 'a', ttlMs: 1000 }), hasCode('VALIDATION_ERROR'));
    }));
}
