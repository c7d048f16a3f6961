import assert from 'node:assert/strict';
import type { Deployment } from '@iac-orchestrator/core';
import { at, auditEntry, hasCode, logEntry, makeDeployment, unique, withStore, type ConformanceIt, type StoreFactory } from './store-conformance-fixtures.js';

/** Deployments, logs, bundles, plans and audit entries. */
export function recordConformance(it: ConformanceIt, factory: StoreFactory): void {
  it('deployments: put, get, overwrite, missing is null', () =>
    withStore(factory, async (store) => {
      const d = makeDeployment({ id: unique('dep') });
      await store.putDeployment(d);
      assert.deepEqual(await store.getDeployment(d.id), d);
      const updated = { ...d, status: 'planning' as const, updatedAt: at(5) };
      await store.putDeployment(updated);
      assert.deepEqual(await store.getDeployment(d.id), updated);
      assert.equal(await store.getDeployment(unique('missing')), null);
    }));

  it('deployments: callers cannot change stored records by mutating objects they passed or got', () =>
    withStore(factory, async (store) => {
      const d = makeDeployment({ id: unique('dep') });
      const original = structuredClone(d);
      await store.putDeployment(d);
      d.status = 'failed';
      d.options.variables.region = 'mutated';
      const got = await store.getDeployment(d.id);
      assert.deepEqual(got, original);
      got!.status = 'completed';
      got!.resources.push({ id: 'x', type: 't', name: 'n', status: 'created', attributes: {}, dependencies: [] });
      const listed = await store.listDeployments({ blueprintId: original.blueprintId, limit: 10 });
      listed.items[0].status = 'cancelled';
      assert.deepEqual(await store.getDeployment(d.id), original);
    }));

  it('deployments: list filters by blueprintId, environment, status (one or several) and stackKey', () =>
    withStore(factory, async (store) => {
      const bpA = unique('bpA');
      const bpB = unique('bpB');
      const all: Deployment[] = [
        makeDeployment({ id: unique('d1'), blueprintId: bpA, environment: 'dev', status: 'completed', createdAt: at(1) }),
        makeDeployment({ id: unique('d2'), blueprintId: bpA, environment: 'prod', status: 'failed', createdAt: at(2) }),
        makeDeployment({ id: unique('d3'), blueprintId: bpA, environment: 'dev', status: 'pending', createdAt: at(3) }),
        makeDeployment({ id: unique('d4'), blueprintId: bpB, environment: 'dev', status: 'completed', createdAt: at(4) }),
      ];
      for (const d of all) await store.putDeployment(d);
      const ids = async (q: Parameters<typeof store.listDeployments>[0]) => (await store.listDeployments(q)).items.map((d) => d.id);
      const [d1, d2, d3, d4] = all.map((d) => d.id);
      assert.deepEqual(await ids({ blueprintId: bpA, limit: 100 }), [d3, d2, d1]);
      assert.deepEqual(await ids({ blueprintId: bpA, environment: 'dev', limit: 100 }), [d3, d1]);
      assert.deepEqual(await ids({ blueprintId: bpA, status: 'failed', limit: 100 }), [d2]);
      assert.deepEqual(await ids({ blueprintId: bpA, status: ['completed', 'pending'], limit: 100 }), [d3, d1]);
      assert.deepEqual(await ids({ stackKey: all[3].stackKey, limit: 100 }), [d4]);
      assert.deepEqual(await ids({ stackKey: all[0].stackKey, status: ['completed'], limit: 100 }), [d1]);
      assert.deepEqual(await ids({ blueprintId: bpB, environment: 'prod', limit: 100 }), []);
    }));

  it('deployments: newest first by createdAt, then id; pages by cursor across several pages, stable under inserts', () =>
    withStore(factory, async (store) => {
      const bp = unique('bp');
      const made: Deployment[] = [];
      for (let i = 0; i < 23; i++) {
        // Pairs share a createdAt so that the id tie-break is exercised.
        made.push(makeDeployment({ id: `${bp}-${String(i).padStart(2, '0')}`, blueprintId: bp, createdAt: at(Math.floor(i / 2)) }));
      }
      for (const d of [...made].reverse()) await store.putDeployment(d);
      const expected = [...made].reverse().map((d) => d.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await store.listDeployments({ blueprintId: bp, limit: 5, cursor });
        assert.ok(page.items.length <= 5);
        seen.push(...page.items.map((d) => d.id));
        cursor = page.nextCursor;
        pages++;
        if (pages === 2) {
          // A newer deployment arriving between pages must neither shift nor repeat what follows.
          await store.putDeployment(makeDeployment({ id: `${bp}-new`, blueprintId: bp, createdAt: at(100) }));
        }
        assert.ok(pages <= 10, 'paging did not terminate');
      } while (cursor);
      assert.equal(pages, 5);
      assert.deepEqual(seen, expected);
      const first = await store.listDeployments({ blueprintId: bp, limit: 1 });
      assert.equal(first.items[0].id, `${bp}-new`);
      const exact = await store.listDeployments({ blueprintId: bp, limit: 24 });
      assert.equal(exact.items.length, 24);
      assert.equal(exact.nextCursor, null);
    }));

  it('deployments: a bad limit or cursor is a ValidationError', () =>
    withStore(factory, async (store) => {
      await assert.rejects(store.listDeployments({ limit: 0 }), hasCode('VALIDATION_ERROR'));
      await assert.rejects(store.listDeployments({ limit: 101 }), hasCode('VALIDATION_ERROR'));
      await assert.rejects(store.listDeployments({ limit: 10, cursor: 'not a cursor!' }), hasCode('VALIDATION_ERROR'));
    }));

  it('logs: append-only, read by cursor and limit, in order, per deployment', () =>
    withStore(factory, async (store) => {
      const a = unique('dep');
      const b = unique('dep');
      assert.deepEqual(await store.readLogs(a), { entries: [], nextCursor: 0 });
      await store.appendLogs(a, [logEntry('a0'), logEntry('a1')]);
      await store.appendLogs(b, [logEntry('b0')]);
      await store.appendLogs(a, [logEntry('a2'), logEntry('a3'), logEntry('a4')]);
      await store.appendLogs(a, []);
      const all = await store.readLogs(a);
      assert.deepEqual(all.entries.map((e) => e.message), ['a0', 'a1', 'a2', 'a3', 'a4']);
      assert.equal(all.nextCursor, 5);
      const mid = await store.readLogs(a, { cursor: 1, limit: 2 });
      assert.deepEqual(mid.entries.map((e) => e.message), ['a1', 'a2']);
      assert.equal(mid.nextCursor, 3);
      const rest = await store.readLogs(a, { cursor: mid.nextCursor });
      assert.deepEqual(rest.entries.map((e) => e.message), ['a3', 'a4']);
      const tail = await store.readLogs(a, { cursor: rest.nextCursor });
      assert.deepEqual(tail, { entries: [], nextCursor: 5 });
      await store.appendLogs(a, [logEntry('a5')]);
      assert.deepEqual((await store.readLogs(a, { cursor: tail.nextCursor })).entries.map((e) => e.message), ['a5']);
      assert.deepEqual((await store.readLogs(b)).entries.map((e) => e.message), ['b0']);
      assert.deepEqual((await store.readLogs(a)).entries[0], { ...all.entries[0] });
      await assert.rejects(store.readLogs(a, { cursor: -1 }), hasCode('VALIDATION_ERROR'));
    }));

  it('bundles: put and get by digest, idempotent, missing is null', () =>
    withStore(factory, async (store) => {
      const bundle = { digest: unique('sha256'), files: { 'main.tf': 'resource "null_resource" "a" {}', 'modules/x/vars.tf': '' } };
      await store.putBundle(bundle);
      await store.putBundle(structuredClone(bundle));
      assert.deepEqual(await store.getBundle(bundle.digest), bundle);
      assert.equal(await store.getBundle(unique('sha256')), null);
    }));

  it('plans: put, get, delete (deleting a missing plan is fine)', () =>
    withStore(factory, async (store) => {
      const id = unique('dep');
      const plan = {
        deploymentId: id,
        baseVersion: 3,
        summary: { add: 1, change: 0, destroy: 0, hasChanges: true, resources: [{ id: 'aws_s3_bucket.a', action: 'create' as const }] },
        artifact: { kind: 'tfplan', base64: Buffer.from('plan bytes').toString('base64') },
        createdAt: at(1),
      };
      await store.putPlan(plan);
      assert.deepEqual(await store.getPlan(id), plan);
      await store.deletePlan(id);
      assert.equal(await store.getPlan(id), null);
      await store.deletePlan(id);
      assert.equal(await store.getPlan(unique('dep')), null);
    }));

  it('audit: append, newest first, filtered by stackKey and deploymentId, limited', () =>
    withStore(factory, async (store) => {
      const s1 = unique('stack');
      const s2 = unique('stack');
      await store.appendAudit(auditEntry('lock', s1, null));
      await store.appendAudit(auditEntry('deploy', s1, 'd1'));
      await store.appendAudit(auditEntry('deploy', s2, 'd2'));
      await store.appendAudit(auditEntry('approve', s1, 'd1'));
      assert.deepEqual((await store.listAudit({ stackKey: s1, limit: 10 })).map((a) => a.action), ['approve', 'deploy', 'lock']);
      assert.deepEqual((await store.listAudit({ stackKey: s1, deploymentId: 'd1', limit: 10 })).map((a) => a.action), ['approve', 'deploy']);
      assert.deepEqual((await store.listAudit({ stackKey: s2, limit: 10 })).map((a) => a.deploymentId), ['d2']);
      assert.deepEqual((await store.listAudit({ stackKey: s1, limit: 1 })).map((a) => a.action), ['approve']);
      const [latest] = await store.listAudit({ stackKey: s1, limit: 1 });
      assert.deepEqual(latest.detail, { n: 'approve' });
    }));
}
