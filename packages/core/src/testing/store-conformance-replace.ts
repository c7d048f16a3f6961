import assert from 'node:assert/strict';
import type { Deployment } from '@iac-orchestrator/core';
import type { StateStore } from '@iac-orchestrator/core';
import { at, makeDeployment, unique, withStore, type ConformanceIt, type StoreFactory } from './store-conformance-fixtures.js';

type Replace = NonNullable<StateStore['replaceDeployment']>;

/**
 * Runs `fn` with the store's `replaceDeployment`; a store without it (the method is optional) passes
 * these tests without doing anything.
 */
const withReplace = (factory: StoreFactory, fn: (store: StateStore, replace: Replace) => Promise<void>) =>
  withStore(factory, async (store) => {
    if (typeof store.replaceDeployment !== 'function') return;
    await fn(store, store.replaceDeployment.bind(store));
  });

/** The next revision of `d` with some changes, as a caller of `replaceDeployment` builds it. */
const next = (d: Deployment, changes: Partial<Deployment> = {}): Deployment => ({ ...structuredClone(d), ...changes, revision: (d.revision ?? 0) + 1 });

/** `replaceDeployment`: compare-and-set of a deployment record on its `revision`. */
export function replaceConformance(it: ConformanceIt, factory: StoreFactory): void {
  it('replaceDeployment: writes on the stored revision, and getDeployment returns the new record', () =>
    withReplace(factory, async (store, replace) => {
      const d = makeDeployment({ id: unique('dep') });
      await store.putDeployment(d);
      const r1 = next(d, { status: 'planning', updatedAt: at(1) });
      assert.equal(await replace(r1, 0), true);
      assert.deepEqual(await store.getDeployment(d.id), r1);
      const r2 = next(r1, { status: 'awaiting_approval', updatedAt: at(2), cancelRequestedAt: at(2) });
      assert.equal(await replace(r2, 1), true);
      assert.deepEqual(await store.getDeployment(d.id), r2);
    }));

  it('replaceDeployment: a stale revision is refused and changes nothing', () =>
    withReplace(factory, async (store, replace) => {
      const d = makeDeployment({ id: unique('dep') });
      await store.putDeployment(d);
      const winner = next(d, { status: 'cancelled', cancelRequestedAt: at(1) });
      assert.equal(await replace(winner, 0), true);
      // A second writer still holding revision 0 must not overwrite the cancel.
      assert.equal(await replace(next(d, { status: 'applying' }), 0), false);
      // Nor may one that guesses a revision ahead of the stored one.
      assert.equal(await replace({ ...next(winner, { status: 'failed' }), revision: 3 }, 2), false);
      assert.deepEqual(await store.getDeployment(d.id), winner);
    }));

  it('replaceDeployment: a record stored without `revision` counts as revision 0', () =>
    withReplace(factory, async (store, replace) => {
      const { revision: _, ...old } = makeDeployment({ id: unique('dep') });
      await store.putDeployment(old as Deployment);
      const bumped = { ...structuredClone(old), status: 'planning', revision: 2 } as Deployment;
      assert.equal(await replace(bumped, 1), false);
      assert.deepEqual(await store.getDeployment(old.id), old);
      const r1 = { ...structuredClone(old), status: 'planning', revision: 1 } as Deployment;
      assert.equal(await replace(r1, 0), true);
      assert.deepEqual(await store.getDeployment(old.id), r1);
    }));

  it('replaceDeployment: a missing record is refused and not created', () =>
    withReplace(factory, async (store, replace) => {
      const d = makeDeployment({ id: unique('missing'), revision: 1 });
      assert.equal(await replace(d, 0), false);
      assert.equal(await store.getDeployment(d.id), null);
      assert.deepEqual((await store.listDeployments({ blueprintId: d.blueprintId, stackKey: d.stackKey, limit: 100 })).items.filter((x) => x.id === d.id), []);
    }));

  it('replaceDeployment: exactly one of 10 concurrent writers on the same revision wins, and its record is stored', () =>
    withReplace(factory, async (store, replace) => {
      const d = makeDeployment({ id: unique('dep') });
      await store.putDeployment(d);
      const candidates = Array.from({ length: 10 }, (_, i) => next(d, { status: 'planning', requestedBy: `writer-${i}` }));
      const results = await Promise.all(candidates.map((c) => replace(c, 0)));
      assert.equal(results.filter(Boolean).length, 1, `winners: ${JSON.stringify(results)}`);
      assert.deepEqual(await store.getDeployment(d.id), candidates[results.indexOf(true)]);
      // A loser retrying with its stale copy is refused again; the winner's record is the base of the next write.
      assert.equal(await replace(candidates[results.indexOf(false)], 0), false);
      assert.equal(await replace(next(candidates[results.indexOf(true)]), 1), true);
    }));

  it('replaceDeployment: listings filtered by status follow the replaced record', () =>
    withReplace(factory, async (store, replace) => {
      const bp = unique('bp');
      // Far in the future, so that it is first in a listing by status alone even on a shared backend.
      const d = makeDeployment({ id: unique('dep'), blueprintId: bp, status: 'pending', createdAt: '9999-01-01T00:00:00.000Z' });
      const other = makeDeployment({ id: unique('dep'), blueprintId: bp, status: 'pending', createdAt: at(1) });
      await store.putDeployment(d);
      await store.putDeployment(other);
      const ids = async (q: Parameters<StateStore['listDeployments']>[0]) => (await store.listDeployments(q)).items.map((x) => x.id);
      const r1 = next(d, { status: 'applying' });
      assert.equal(await replace(r1, 0), true);
      assert.deepEqual(await ids({ blueprintId: bp, status: 'pending', limit: 100 }), [other.id]);
      assert.deepEqual(await ids({ blueprintId: bp, status: 'applying', limit: 100 }), [d.id]);
      assert.deepEqual(await ids({ stackKey: d.stackKey, blueprintId: bp, status: ['applying', 'completed'], limit: 100 }), [d.id]);
      assert.deepEqual((await store.listDeployments({ status: 'applying', limit: 1 })).items, [r1]);
      assert.equal((await ids({ status: 'pending', limit: 100 })).includes(d.id), false);
      const r2 = next(r1, { status: 'completed', completedAt: at(3) });
      assert.equal(await replace(r2, 1), true);
      assert.deepEqual(await ids({ blueprintId: bp, status: 'applying', limit: 100 }), []);
      assert.deepEqual((await store.listDeployments({ blueprintId: bp, status: 'completed', limit: 100 })).items, [r2]);
      assert.deepEqual(await ids({ blueprintId: bp, limit: 100 }), [d.id, other.id]);
    }));

  it('replaceDeployment: a finished deployment stays finished (the resurrection race: failed → planning is refused)', () =>
    withReplace(factory, async (store, replace) => {
      // B failed it (recovery); A, still holding the revision B wrote on top of, tries to plan it.
      const d = makeDeployment({ id: unique('dep'), status: 'pending' });
      await store.putDeployment(d);
      const failed = next(d, { status: 'failed', error: 'Deployment interrupted' });
      assert.equal(await replace(failed, 0), true);
      for (const status of ['planning', 'applying', 'completed', 'pending', 'awaiting_approval'] as const) {
        await assert.rejects(replace(next(failed, { status }), 1), (e: Error & { code?: string }) => e.code === 'INVALID_STATE', `failed → ${status} must be refused`);
      }
      assert.deepEqual(await store.getDeployment(d.id), failed);
      // A late field update that keeps the terminal status is still written.
      const noted = next(failed, { lock: null });
      assert.equal(await replace(noted, 1), true);
    }));

  it('replaceDeployment: only completed → rolled_back leaves a terminal status', () =>
    withReplace(factory, async (store, replace) => {
      for (const from of ['completed', 'failed', 'cancelled', 'planned', 'rolled_back'] as const) {
        const d = makeDeployment({ id: unique('dep'), status: from });
        await store.putDeployment(d);
        const to = from === 'rolled_back' ? 'completed' : 'rolled_back';
        if (from === 'completed') assert.equal(await replace(next(d, { status: to }), 0), true);
        else await assert.rejects(replace(next(d, { status: to }), 0), (e: Error & { code?: string }) => e.code === 'INVALID_STATE', `${from} → ${to} must be refused`);
      }
    }));
}
