import { describe, expect, it } from 'vitest';
import { plannedAction, planSecrets, sensitiveMarks, summarisePlan, summariseStreamedPlan, type ShownPlan } from '../src/plan-summary.js';
import { StreamInterpreter } from '../src/stream.js';
import { recordedJson, recordedLines } from './recorded.js';

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

describe('plan summary from the plan\'s own -json stream (recorded)', () => {
  const streamed = (file: string) => {
    const s = new StreamInterpreter(() => undefined);
    for (const line of recordedLines(file)) s.line(line);
    return summariseStreamedPlan(s.planned, s.outputActions);
  };
  it('equals the summary `show -json` of the same saved plan gives', () => {
    expect(streamed('basic-plan.jsonl')).toEqual(summarisePlan(recordedJson<ShownPlan>('basic-show-plan.json')));
  });
  it('maps the stream\'s reasons and actions to the summary\'s', () => {
    const s = summariseStreamedPlan([
      { id: 'a.tainted', action: 'replace', reason: 'tainted' },
      { id: 'a.moved', action: 'move' },
      { id: 'data.x.y', action: 'read', reason: 'read_because_config_unknown' },
      { id: 'a.gone', action: 'delete', reason: 'delete_because_no_resource_config' },
    ]);
    expect(s).toEqual({
      add: 1,
      change: 0,
      destroy: 2,
      hasChanges: true,
      resources: [
        { id: 'a.gone', action: 'delete', reason: 'delete_because_no_resource_config' },
        { id: 'a.tainted', action: 'replace', reason: 'replace_because_tainted' },
      ],
    });
    expect(summariseStreamedPlan([], { x: 'noop' }).hasChanges).toBe(false);
    expect(summariseStreamedPlan([], { x: 'update' }).hasChanges).toBe(true);
  });
});
