import { describe, expect, it } from 'vitest';
import { planDigestOf, readSlackDecisionValue, slackDecisionValue, type PlannedDeployment } from '../../src/index.js';

const SECRET = 'notify-secret-for-decision-tests-01';
const d: PlannedDeployment = {
  id: 'a1b2c3d4-0000-4000-8000-000000000001',
  stackKey: 'shop/production/aws/terraform',
  operation: 'apply',
  bundleDigest: 'sha256:abc',
  baseVersion: 3,
  plan: { add: 1, change: 0, destroy: 0, hasChanges: true, resources: [{ id: 'aws_s3_bucket.a', type: 'aws_s3_bucket', action: 'create' }] },
};

describe('Slack decision values', () => {
  it('digest what an approval applies, whatever the order of the record\'s keys', () => {
    const reordered = JSON.parse(JSON.stringify({ plan: { resources: [{ action: 'create', type: 'aws_s3_bucket', id: 'aws_s3_bucket.a' }], hasChanges: true, destroy: 0, change: 0, add: 1 }, baseVersion: 3, bundleDigest: 'sha256:abc', operation: 'apply', stackKey: d.stackKey, id: d.id }));
    expect(planDigestOf(reordered)).toBe(planDigestOf(d));
    for (const other of [{ ...d, baseVersion: 4 }, { ...d, bundleDigest: 'sha256:abd' }, { ...d, operation: 'destroy' as const }, { ...d, stackKey: 'shop/dev/aws/terraform' }, { ...d, plan: { ...d.plan!, destroy: 1 } }]) {
      expect(planDigestOf(other)).not.toBe(planDigestOf(d));
    }
    expect(planDigestOf({ ...d, plan: null })).toBeNull();
    expect(() => slackDecisionValue(SECRET, { ...d, plan: null })).toThrow(/no plan yet/);
  });

  it('read back only with the same secret, for the id and digest they were made for', () => {
    const value = slackDecisionValue(SECRET, d);
    expect(value).toMatch(/^a1b2c3d4-0000-4000-8000-000000000001\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    expect(readSlackDecisionValue(SECRET, value)).toEqual({ deploymentId: d.id, planDigest: planDigestOf(d) });
    expect(readSlackDecisionValue(`${SECRET}x`, value)).toBeNull();
    const dotted = slackDecisionValue(SECRET, { ...d, id: 'group.member:1' }); // ids may hold dots
    expect(readSlackDecisionValue(SECRET, dotted)).toMatchObject({ deploymentId: 'group.member:1' });
    const [, digest, mac] = value.split('.');
    for (const bad of [d.id, '', '..', `${d.id}.${digest}`, `other.${digest}.${mac}`, `${d.id}.${digest}.${mac!.slice(1)}`, `${d.id}.${digest}.${mac}x`, `${d.id}.${digest!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}.${mac}`]) {
      expect(readSlackDecisionValue(SECRET, bad)).toBeNull();
    }
  });
});
