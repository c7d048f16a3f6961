import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/index.js';
import { deployInput, harness, res, waitFor, type Harness } from './helpers.js';

let h: Harness;
afterEach(async () => h?.dispose());

/** Everything stored, to prove bad input changes nothing. */
async function snapshot(hh: Harness, stackKey: string) {
  const list = await hh.orch.list({ limit: 100 });
  return JSON.stringify({
    deployments: list.items,
    versions: await hh.store.listStateVersions(stackKey, { limit: 100 }),
    lock: await hh.store.getLock(stackKey),
    audit: (await hh.store.listAudit({ limit: 1000 })).filter((a) => !a.action.startsWith('state.read') && a.action !== 'state.history'),
  });
}

describe('bad input gives a typed error and changes nothing', () => {
  it('every public method', async () => {
    h = await harness();
    const good = await waitFor(h.orch, (await h.orch.deploy(deployInput({ resources: [res('a')] }))).id);
    const before = await snapshot(h, good.stackKey);

    const cases: Array<[string, () => Promise<unknown>, RegExp | string]> = [
      ['deploy without ids', () => h.orch.deploy({ environment: 'dev', targetCloud: 'aws', format: 'terraform' } as never), 'blueprintId and generationJobId are required'],
      ['deploy without job or files (names both)', () => h.orch.deploy({ blueprintId: 'x', environment: 'dev', targetCloud: 'aws', format: 'terraform' }), /^blueprintId and generationJobId are required \(or files, .*\)$/],
      ['deploy bad cloud', () => h.orch.deploy({ ...deployInput({ resources: [] }), targetCloud: 'Mars!' } as never), /^targetCloud: /],
      ['deploy unknown option', () => h.orch.deploy({ ...deployInput({ resources: [] }), options: { autoApprove: true, bogus: 1 } } as never), /options/],
      ['deploy parallelism 0', () => h.orch.deploy(deployInput({ resources: [] }, { options: { parallelism: 0 } })), /^options.parallelism: /],
      ['deploy path traversal', () => h.orch.deploy({ ...deployInput({ resources: [] }), files: { '../etc/passwd': 'x' } }), /Invalid file name "..\/etc\/passwd"/],
      ['deploy absolute path', () => h.orch.deploy({ ...deployInput({ resources: [] }), files: { '/abs.tf': 'x' } }), /absolute paths are not allowed/],
      ['deploy no files', () => h.orch.deploy({ ...deployInput({ resources: [] }), files: {} }), 'The deployment has no IaC files'],
      ['deploy bad environment', () => h.orch.deploy(deployInput({ resources: [] }, { environment: 'prod;rm -rf' })), /^environment: /],
      ['deploy unregistered format', () => h.orch.deploy(deployInput({ resources: [] }, { format: 'bicep' })), 'No executor is registered for format "bicep" (available: terraform)'],
      ['list bad limit', () => h.orch.list({ limit: 0 }), /^limit: /],
      ['list bad status', () => h.orch.list({ status: 'done' as never }), /^status: /],
      ['logs bad cursor', () => h.orch.logs(good.id, { cursor: -1 }), /^cursor: /],
      ['get bad id', () => h.orch.get('../../x'), 'Invalid id'],
      ['rollback no version', () => h.orch.rollback(good.id, {} as never), /^targetVersion: /],
      ['rollback negative', () => h.orch.rollback(good.id, { targetVersion: -1 }), /^targetVersion: /],
      ['lock without who', () => h.orch.lockState(good.id, { operation: 'apply' } as never), /^who: /],
      ['unlock without lockId', () => h.orch.unlockState(good.id, {}), /^lockId: lockId is required/],
      ['history bad limit', () => h.orch.stateHistory(good.id, { limit: 1000 }), /^limit: /],
      ['approve extra field', () => h.orch.approve(good.id, { comment: 'x', extra: true } as never), /extra|Unrecognized/],
      ['destroy extra field', () => h.orch.destroy(good.id, { force: true } as never), /force|Unrecognized/],
    ];
    for (const [name, call, message] of cases) {
      const err = await call().then(() => null, (e: unknown) => e);
      expect(err, name).toBeInstanceOf(ValidationError);
      if (typeof message === 'string') expect((err as Error).message, name).toBe(message);
      else expect((err as Error).message, name).toMatch(message);
    }
    for (const call of [() => h.orch.get('missing'), () => h.orch.cancel('missing'), () => h.orch.approve('missing'), () => h.orch.getState('missing'), () => h.orch.rollback('missing', { targetVersion: 1 })]) {
      await expect(call()).rejects.toBeInstanceOf(NotFoundError);
    }
    expect(await snapshot(h, good.stackKey)).toBe(before);
  });

  it('names the offending field', async () => {
    h = await harness();
    const err = await h.orch.deploy(deployInput({ resources: [] }, { options: { parallelism: 'ten' } })).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('options.parallelism');
  });
});

describe("an executor's own options", () => {
  it('are validated when the request arrives, through Executor.validateOptions', async () => {
    const { ScriptedExecutor } = await import('../../src/testing/index.js');
    const executor = new ScriptedExecutor();
    Object.assign(executor, {
      validateOptions(options: Record<string, unknown>) {
        if ('capabilities' in options && !Array.isArray(options.capabilities)) throw new ValidationError('options.executor.capabilities: must be a list', 'options.executor.capabilities');
      },
    });
    h = await harness({ executors: [executor] });
    const err = await h.orch.deploy(deployInput({ resources: [res('a')] }, { options: { executor: { capabilities: 'CAPABILITY_IAM' } } })).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('options.executor.capabilities');
    expect((await h.orch.list()).items).toHaveLength(0);
  });
});
