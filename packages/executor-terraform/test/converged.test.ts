import { describe, expect, it } from 'vitest';
import type { ExecutorContext } from '@iac-orchestrator/core';
import { ConvergedStacks } from '../src/converged.js';

const state = (serial: number, lineage = 'l-1') => ({ version: 4, lineage, serial, resources: [] });
const ctx = (over: Partial<ExecutorContext> = {}): ExecutorContext =>
  ({ stackKey: 'bp/dev/aws/terraform', operation: 'apply', bundle: { digest: 'd-1', files: {} }, variables: { a: 1, b: { x: 'y', z: [1, 2] } }, priorState: state(3), ...over }) as unknown as ExecutorContext;

describe('the stacks this process saw converge', () => {
  it('expects no changes only for the same code and variables onto the very state that apply left', () => {
    const c = new ConvergedStacks();
    expect(c.expectsNoChanges(ctx({ priorState: state(4) }))).toBe(false);
    c.record(ctx(), true, state(4));
    expect(c.expectsNoChanges(ctx({ priorState: state(4) }))).toBe(true);
    // variables in another key order are the same variables
    expect(c.expectsNoChanges(ctx({ priorState: state(4), variables: { b: { z: [1, 2], x: 'y' }, a: 1 } }))).toBe(true);
    expect(c.expectsNoChanges(ctx({ priorState: state(5) }))).toBe(false); // somebody wrote the state since
    expect(c.expectsNoChanges(ctx({ priorState: state(4, 'l-2') }))).toBe(false);
    expect(c.expectsNoChanges(ctx({ priorState: state(4), variables: { a: 2, b: { x: 'y', z: [1, 2] } } }))).toBe(false);
    expect(c.expectsNoChanges(ctx({ priorState: state(4), bundle: { digest: 'd-2', files: {} } }))).toBe(false);
    expect(c.expectsNoChanges(ctx({ priorState: state(4), stackKey: 'other/dev/aws/terraform' }))).toBe(false);
    expect(c.expectsNoChanges(ctx({ priorState: state(4), operation: 'destroy' }))).toBe(false);
  });

  it('takes the orchestrator\'s word (from its store, any runner of a fleet) for an apply, never for another operation', () => {
    const c = new ConvergedStacks();
    expect(c.expectsNoChanges(ctx({ sameAsLastApply: true }))).toBe(true);
    expect(c.expectsNoChanges(ctx({ sameAsLastApply: false }))).toBe(false);
    expect(c.expectsNoChanges(ctx({ sameAsLastApply: true, operation: 'destroy' }))).toBe(false);
  });

  it('forgets a stack whose apply failed, and never remembers a destroy or a state without lineage', () => {
    const c = new ConvergedStacks();
    c.record(ctx(), true, state(4));
    c.record(ctx({ priorState: state(4) }), false, state(5));
    expect(c.expectsNoChanges(ctx({ priorState: state(4) }))).toBe(false);
    expect(c.expectsNoChanges(ctx({ priorState: state(5) }))).toBe(false);
    c.record(ctx({ operation: 'destroy' }), true, state(6));
    expect(c.expectsNoChanges(ctx({ priorState: state(6), operation: 'destroy' }))).toBe(false);
    c.record(ctx(), true, { resources: [] });
    expect(c.expectsNoChanges(ctx({ priorState: { resources: [] } }))).toBe(false);
  });

  it('keeps no variable value, nor a plain digest of one', () => {
    const c = new ConvergedStacks();
    c.record(ctx({ variables: { password: 'hunter2-very-secret' } }), true, state(4));
    const kept = JSON.stringify([...(c as unknown as { fingerprints: Map<string, string> }).fingerprints]);
    expect(kept).not.toContain('hunter2');
    expect(kept).toMatch(/^\[\["bp\/dev\/aws\/terraform","[A-Za-z0-9_-]{43}"\]\]$/);
  });
});
