import { describe, expect, it } from 'vitest';
import { plannedAction, planSecrets, sensitiveMarks, summarisePlan, type ShownPlan } from '../src/plan-summary.js';
import { recordedJson } from './recorded.js';

describe('plan summary from `show -json` of a recorded saved plan', () => {
  it('a create plan: counts and per-resource actions', () => {
    const plan = recordedJson<ShownPlan>('basic-show-plan.json');
    expect(summarisePlan(plan)).toEqual({
      add: 2,
      change: 0,
      destroy: 0,
      hasChanges: true,
      resources: [
        { id: 'terraform_data.app', type: 'terraform_data', action: 'create' },
        { id: 'terraform_data.network', type: 'terraform_data', action: 'create' },
      ],
    });
    // the sensitive output's value is registered before anything could log it
    expect(planSecrets(plan)).toEqual(['postgres://app:pa55-w0rd-very-secret@db:5432/app']);
    // sensitivity kept for apply: the password inside app's input
    expect(sensitiveMarks(plan)).toEqual({ 'terraform_data.app': { input: { password: true }, output: {} } });
  });

  it('a destroy plan', () => {
    const s = summarisePlan(recordedJson<ShownPlan>('basic-destroy-show-plan.json'));
    expect(s).toMatchObject({ add: 0, change: 0, destroy: 2, hasChanges: true });
    expect(s.resources.every((r) => r.action === 'delete')).toBe(true);
  });

  it('maps Terraform action lists', () => {
    expect(plannedAction(['delete', 'create'])).toBe('replace');
    expect(plannedAction(['create', 'delete'])).toBe('replace');
    expect(plannedAction(['no-op'])).toBe('no-op');
    expect(plannedAction(['read'])).toBe('read');
    expect(plannedAction(undefined)).toBe('no-op');
    const replace = summarisePlan({ resource_changes: [{ address: 'a.b', change: { actions: ['delete', 'create'] }, action_reason: 'replace_because_tainted' }] });
    expect(replace).toMatchObject({ add: 1, destroy: 1, resources: [{ id: 'a.b', action: 'replace', reason: 'replace_because_tainted' }] });
  });

  it('an output-only change still has changes', () => {
    expect(summarisePlan({ output_changes: { x: { actions: ['update'] } } }).hasChanges).toBe(true);
    expect(summarisePlan({ output_changes: { x: { actions: ['no-op'] } } }).hasChanges).toBe(false);
  });
});
