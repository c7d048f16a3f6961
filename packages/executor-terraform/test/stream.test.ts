import { describe, expect, it } from 'vitest';
import type { ExecutorEvent } from '@iac-orchestrator/core';
import { interpretLine, StreamInterpreter } from '../src/stream.js';
import { recordedLines } from './recorded.js';

const feed = (file: string, extra: string[] = []): { events: ExecutorEvent[]; s: StreamInterpreter } => {
  const events: ExecutorEvent[] = [];
  const s = new StreamInterpreter((e) => events.push(e));
  for (const line of [...recordedLines(file), ...extra]) s.line(line);
  return { events, s };
};
const resourceEvents = (events: ExecutorEvent[]) =>
  events.filter((e): e is Extract<ExecutorEvent, { type: 'resource' }> => e.type === 'resource').map((e) => [e.id, e.status]);

describe('the -json stream interpreter on recorded real output', () => {
  it('a create: creating → created per resource, logs with their resource', () => {
    const { events, s } = feed('basic-apply.jsonl');
    expect(resourceEvents(events)).toEqual([
      ['terraform_data.network', 'creating'],
      ['terraform_data.network', 'created'],
      ['terraform_data.app', 'creating'],
      ['terraform_data.app', 'created'],
    ]);
    expect(events).toContainEqual({ type: 'log', level: 'info', message: 'Apply complete! Resources: 2 added, 0 changed, 0 destroyed.', resource: null });
    // the line rides on the resource event (the orchestrator logs it from there), not on a log event too
    expect(events).toContainEqual(expect.objectContaining({ type: 'resource', id: 'terraform_data.app', status: 'created', message: expect.stringMatching(/^terraform_data.app: Creation complete/) }));
    expect(events.filter((e) => e.type === 'log' && /Creation complete|Creating\.\.\./.test(e.message))).toEqual([]);
    const created = events.find((e) => e.type === 'resource' && e.status === 'created');
    expect(created).toMatchObject({ resourceType: 'terraform_data', name: 'network' });
    expect(s.errorSummary()).toBeUndefined();
    expect(s.statuses.get('terraform_data.app')).toBe('created');
  });

  it('an update and a destroy', () => {
    expect(resourceEvents(feed('basic-update-apply.jsonl').events).map(([, st]) => st)).toEqual(['updating', 'updated', 'updating', 'updated']);
    const destroy = resourceEvents(feed('basic-destroy-apply.jsonl').events);
    expect(destroy.map(([, st]) => st)).toEqual(['deleting', 'deleted', 'deleting', 'deleted']);
    expect(destroy[0]![0]).toBe('terraform_data.app'); // dependents go first
  });

  it('a partial failure: failed status and the diagnostic as the error summary', () => {
    const { events, s } = feed('partial-failure-apply.jsonl');
    expect(resourceEvents(events)).toContainEqual(['terraform_data.breaks', 'failed']);
    expect(resourceEvents(events).filter(([, st]) => st === 'created').map(([id]) => id).sort()).toEqual(['terraform_data.first', 'terraform_data.second']);
    expect(s.errorSummary()).toMatch(/^local-exec provisioner error: Error running command 'provisioner': exit status 1/);
    expect(events).toContainEqual(expect.objectContaining({ type: 'log', level: 'error', resource: 'terraform_data.breaks' }));
  });

  it('a cancelled apply: the interrupt is logged, the interrupted resource failed', () => {
    const { events, s } = feed('slow-cancelled-apply.jsonl');
    expect(events).toContainEqual(expect.objectContaining({ type: 'log', message: expect.stringContaining('Interrupt received') }));
    expect(s.statuses.get('terraform_data.fast')).toBe('created');
    expect(s.statuses.get('terraform_data.slow')).toBe('failed');
    expect(s.statuses.has('terraform_data.after')).toBe(false);
  });

  it('a refresh-only plan: resource_drift becomes the drift report', () => {
    const { s } = feed('aws-drift-plan.jsonl');
    expect(s.driftReport('2026-01-01T00:00:00Z')).toEqual({
      drifted: true,
      checkedAt: '2026-01-01T00:00:00Z',
      resources: [{ id: 'aws_s3_bucket.assets', type: 'aws_s3_bucket', change: 'deleted' }],
    });
    expect(feed('basic-plan.jsonl').s.driftReport('t').drifted).toBe(false);
  });

  it('tolerates lines that are not JSON, blank lines and unknown message types', () => {
    const { events } = feed('basic-plan.jsonl', ['', 'provider says hello', '[1, 2]', '{"type":"something_new","@level":"warn","@message":"new thing"}']);
    expect(events).toContainEqual({ type: 'log', level: 'info', message: 'provider says hello', resource: null });
    expect(events).toContainEqual({ type: 'log', level: 'info', message: '[1, 2]', resource: null });
    expect(events).toContainEqual({ type: 'log', level: 'warn', message: 'new thing', resource: null });
    expect(interpretLine('   ').events).toEqual([]);
  });

  it('keeps version and refresh chatter at debug, and never logs output values', () => {
    const { events } = feed('basic-apply.jsonl');
    expect(events[0]).toMatchObject({ type: 'log', level: 'debug', message: 'Terraform 1.11.4' });
    expect(JSON.stringify(events)).not.toContain('pa55-w0rd-very-secret');
  });
});

describe('the stream of `apply -auto-approve` (plan and apply in one process)', () => {
  const res = (name: string) => ({ addr: `terraform_data.${name}`, module: '', resource: `terraform_data.${name}`, implied_provider: 'terraform', resource_type: 'terraform_data', resource_name: name, resource_key: null });
  // Trimmed from real `terraform apply -json -auto-approve` output (Terraform 1.11).
  const lines = [
    { '@level': 'info', '@message': 'Terraform 1.11.4', type: 'version', terraform: '1.11.4', ui: '1.2' },
    { '@level': 'info', '@message': 'terraform_data.a: Plan to create', change: { resource: res('a'), action: 'create' }, type: 'planned_change' },
    { '@level': 'info', '@message': 'terraform_data.b: Plan to create', change: { resource: res('b'), action: 'create' }, type: 'planned_change' },
    { '@level': 'info', '@message': 'Plan: 2 to add, 0 to change, 0 to destroy.', changes: { add: 2, change: 0, import: 0, remove: 0, operation: 'plan' }, type: 'change_summary' },
    { '@level': 'info', '@message': 'Outputs: 1', outputs: { o: { sensitive: false, action: 'create' } }, type: 'outputs' },
    { '@level': 'info', '@message': 'terraform_data.b: Creating...', hook: { resource: res('b'), action: 'create' }, type: 'apply_start' },
    { '@level': 'info', '@message': 'terraform_data.a: Creating...', hook: { resource: res('a'), action: 'create' }, type: 'apply_start' },
    { '@level': 'info', '@message': 'terraform_data.a: Creation complete after 0s [id=x]', hook: { resource: res('a'), action: 'create', id_key: 'id', id_value: 'x' }, type: 'apply_complete' },
    { '@level': 'info', '@message': 'terraform_data.b: Creation complete after 1s [id=y]', hook: { resource: res('b'), action: 'create', id_key: 'id', id_value: 'y' }, type: 'apply_complete' },
    { '@level': 'info', '@message': 'Apply complete! Resources: 2 added, 0 changed, 0 destroyed.', changes: { add: 2, change: 0, import: 0, remove: 0, operation: 'apply' }, type: 'change_summary' },
    { '@level': 'info', '@message': 'Outputs: 1', outputs: { o: { sensitive: false, type: 'string', value: 'x' } }, type: 'outputs' },
  ].map((l) => JSON.stringify(l));

  it('knows the whole plan at its change_summary, and calls the first-change hook once, before that change is emitted', () => {
    const seen: string[] = [];
    const s = new StreamInterpreter(
      (e) => seen.push(e.type === 'resource' ? `${e.id}:${e.status}` : `log:${e.message}`),
      () => seen.push(`first change (plan complete: ${s.planComplete}, planned: ${s.planned.length}, outputs: ${JSON.stringify(s.outputActions)})`),
    );
    for (const l of lines.slice(0, 4)) s.line(l);
    expect(s.planComplete).toBe(true);
    expect(s.changing).toBe(false);
    for (const l of lines.slice(4)) s.line(l);
    expect(seen.filter((x) => x.startsWith('first change'))).toEqual(['first change (plan complete: true, planned: 2, outputs: {"o":"create"})']);
    expect(seen.indexOf('first change (plan complete: true, planned: 2, outputs: {"o":"create"})')).toBe(seen.indexOf('terraform_data.b:creating') - 1);
    // the apply's own change_summary and value-only outputs message change neither the plan nor its output actions
    expect(s.outputActions).toEqual({ o: 'create' });
    expect(s.planned.map((p) => p.id)).toEqual(['terraform_data.a', 'terraform_data.b']);
  });

  it('an apply of a saved plan, or a plan, has no first change to announce before its end', () => {
    let calls = 0;
    const s = new StreamInterpreter(() => undefined, () => calls++);
    for (const l of lines.slice(0, 5)) s.line(l);
    expect(calls).toBe(0);
    expect(interpretLine(lines[9]!).planComplete).toBeUndefined();
  });
});
