import assert from 'node:assert/strict';
import { ResourceStatusSchema, type PlanSummary } from '@iac-orchestrator/core';
import type { ExecutorEvent, StateSnapshot } from '@iac-orchestrator/core';
import { resourceEvents } from './executor-conformance-harness.js';

const STATUSES: readonly string[] = ResourceStatusSchema.options;

/**
 * Asserts `value` survives being stored as JSON unchanged: only null, booleans, finite numbers, strings,
 * arrays and plain objects (an `undefined` property is fine: JSON drops it and reading it back gives the
 * same). A Buffer, Date, Map, bigint or function would come back different or not at all.
 */
export function assertJsonValue(value: unknown, label: string, path = '$'): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    assert.ok(Number.isFinite(value), `${label}: ${path} is ${value}, which JSON cannot hold`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      assert.notEqual(v, undefined, `${label}: ${path}[${i}] is undefined, which JSON turns into null`);
      assertJsonValue(v, label, `${path}[${i}]`);
    });
    return;
  }
  assert.equal(typeof value, 'object', `${label}: ${path} is a ${typeof value}, which JSON cannot hold`);
  const proto = Object.getPrototypeOf(value);
  assert.ok(proto === Object.prototype || proto === null, `${label}: ${path} is a ${proto?.constructor?.name ?? 'non-plain object'}, which JSON does not round-trip`);
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) assertJsonValue(v, label, `${path}.${k}`);
}

/** A plan summary with consistent counts. */
export function assertSummary(s: PlanSummary, label: string): void {
  for (const k of ['add', 'change', 'destroy'] as const) {
    assert.ok(Number.isInteger(s[k]) && s[k] >= 0, `${label}: summary.${k} must be a non-negative integer, got ${String(s[k])}`);
  }
  assert.equal(typeof s.hasChanges, 'boolean', `${label}: summary.hasChanges must be a boolean`);
  assert.ok(Array.isArray(s.resources), `${label}: summary.resources must be an array`);
  if (s.add + s.change + s.destroy > 0) assert.equal(s.hasChanges, true, `${label}: counts are non-zero but hasChanges is false`);
}

/** A well-formed snapshot: normalised resources, an outputs object, JSON raw state. */
export function assertSnapshot(state: StateSnapshot | null, label: string): asserts state is StateSnapshot {
  assert.ok(state, `${label}: the apply returned no state`);
  assert.ok(Array.isArray(state.resources), `${label}: state.resources must be an array`);
  for (const r of state.resources) {
    assert.equal(typeof r.id, 'string', `${label}: a resource has no string id`);
    assert.equal(typeof r.type, 'string', `${label}: resource ${r.id} has no string type`);
    assert.equal(typeof r.name, 'string', `${label}: resource ${r.id} has no string name`);
    assert.ok(STATUSES.includes(r.status), `${label}: resource ${r.id} has status "${r.status}", not one of the spec's ${STATUSES.join('/')}`);
    assert.ok(r.attributes && typeof r.attributes === 'object', `${label}: resource ${r.id} has no attributes object`);
    assert.ok(Array.isArray(r.dependencies), `${label}: resource ${r.id} has no dependencies array`);
  }
  assert.ok(state.outputs && typeof state.outputs === 'object' && !Array.isArray(state.outputs), `${label}: state.outputs must be an object`);
  assertJsonValue(state.raw, `${label} (raw state)`);
  assertJsonValue({ resources: state.resources, outputs: state.outputs }, `${label} (resources and outputs)`);
}

/** Every resource event carries an id and one of the spec's resource statuses. */
export function assertResourceEvents(events: ExecutorEvent[], label: string): void {
  for (const e of events) {
    assert.ok(e.type === 'log' || e.type === 'resource', `${label}: unknown event type ${JSON.stringify((e as { type?: unknown }).type)}`);
    if (e.type === 'log') {
      assert.ok(['debug', 'info', 'warn', 'error'].includes(e.level), `${label}: log event with level "${e.level}"`);
      assert.equal(typeof e.message, 'string', `${label}: log event without a message`);
    }
  }
  for (const e of resourceEvents(events)) {
    assert.ok(typeof e.id === 'string' && e.id.length > 0, `${label}: a resource event has no id`);
    assert.ok(STATUSES.includes(e.status), `${label}: resource event for ${e.id} has status "${e.status}", not one of the spec's ${STATUSES.join('/')}`);
  }
}

/** Ids the executor reported as `created` (or `updated`): what must not be forgotten in the state. */
export const reportedDone = (events: ExecutorEvent[]): string[] => [
  ...new Set(resourceEvents(events).filter((e) => e.status === 'created' || e.status === 'updated').map((e) => e.id)),
];

/** Invariant 1: every resource the executor said it created is in the state it returned. */
export function assertNothingForgotten(events: ExecutorEvent[], state: StateSnapshot, label: string): void {
  const ids = new Set(state.resources.map((r) => r.id));
  for (const id of reportedDone(events)) {
    assert.ok(ids.has(id), `${label}: ${id} was reported created but is missing from the returned state (has: ${[...ids].join(', ') || 'none'})`);
  }
}

/** For each id reported `created`, a `creating` for it came first (the spec's order). */
export function assertCreatingBeforeCreated(events: ExecutorEvent[], label: string): void {
  const seen = new Set<string>();
  for (const e of resourceEvents(events)) {
    if (e.status === 'creating') seen.add(e.id);
    if (e.status === 'created') assert.ok(seen.has(e.id), `${label}: ${e.id} was reported created without a creating event before it`);
  }
}
