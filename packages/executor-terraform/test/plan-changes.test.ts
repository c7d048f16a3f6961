import { describe, expect, it } from 'vitest';
import { attributeChanges } from '../src/plan-changes.js';
import { summarisePlan } from '../src/plan-summary.js';

/** The `change` of `terraform show -json` for the basic fixture's `app` when `name` goes first → second. */
const appUpdate = {
  actions: ['update'],
  before: { id: 'a1', input: { name: 'first', password: 'hunter2' }, output: { name: 'first', password: 'hunter2' }, triggers_replace: null },
  after: { id: 'a1', input: { name: 'second', password: 'hunter2' }, triggers_replace: null },
  after_unknown: { output: true },
  before_sensitive: { input: { password: true }, output: { password: true } },
  after_sensitive: { input: { password: true }, output: {} },
};

describe('attribute changes of a planned update', () => {
  it('lists changed attributes only, masks what Terraform marks sensitive, and says when a value is known after apply', () => {
    const changes = attributeChanges(appUpdate);
    expect(changes).toEqual([
      { name: 'input', before: { name: 'first', password: '***' }, after: { name: 'second', password: '***' }, sensitive: true },
      { name: 'output', before: { name: 'first', password: '***' }, sensitive: true },
    ]);
    expect(JSON.stringify(changes)).not.toContain('hunter2');
  });

  it('masks secret-named attributes whole, and a value marked sensitive as a whole', () => {
    const changes = attributeChanges({
      before: { admin_password: 'old-Secret-1', tags: { a: '1' }, key: 'k1' },
      after: { admin_password: 'new-Secret-2', tags: { a: '2' }, key: 'k2' },
      before_sensitive: { key: true },
      after_sensitive: { key: true },
    });
    expect(changes).toEqual([
      { name: 'admin_password', before: '***', after: '***', sensitive: true },
      { name: 'key', before: '***', after: '***', sensitive: true },
      { name: 'tags', before: { a: '1' }, after: { a: '2' } },
    ]);
  });

  it('cuts long values and lists at most 50 attributes', () => {
    const before = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`a${String(i).padStart(2, '0')}`, 'x'.repeat(1000)]));
    const after = Object.fromEntries(Object.keys(before).map((k) => [k, 'y']));
    const changes = attributeChanges({ before, after });
    expect(changes).toHaveLength(50);
    expect(String(changes[0].before).length).toBeLessThanOrEqual(302);
  });

  it('summarisePlan carries them for updates and replaces only', () => {
    const s = summarisePlan({
      resource_changes: [
        { address: 'terraform_data.app', type: 'terraform_data', change: appUpdate },
        { address: 'terraform_data.new', type: 'terraform_data', change: { actions: ['create'], before: null, after: { input: 'x' } } },
      ],
    });
    expect(s.resources[0].changes?.map((c) => c.name)).toEqual(['input', 'output']);
    expect(s.resources[1]).toEqual({ id: 'terraform_data.new', type: 'terraform_data', action: 'create' });
  });
});
