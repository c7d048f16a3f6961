import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findCommand, prerequisite } from '../../test-support/prerequisites.js';
import { createEngineOrchestrator, executeWorkflow } from './workflow.js';

const ok = prerequisite('terraform', findCommand('terraform') !== null, 'terraform is not on PATH');
const MAIN_TF = `
resource "terraform_data" "app" { input = "v1" }
output "app" { value = terraform_data.app.output }
`;

describe.skipIf(!ok)('example: embedding in an automation engine (real terraform)', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('runs a production workflow through the engine approval step and returns the outputs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'example-engine-'));
    dirs.push(dir);
    const orch = createEngineOrchestrator(join(dir, 'data'), join(dir, 'work'));
    const plansSeen: number[] = [];
    try {
      const outputs = await executeWorkflow(orch, {
        blueprintId: 'engine-demo',
        environment: 'production',
        files: { 'main.tf': MAIN_TF },
        approve: async (plan) => {
          plansSeen.push(plan.add);
          return true;
        },
      });
      expect(plansSeen).toEqual([1]);
      expect(outputs).toEqual({ app: 'v1' });
      await expect(
        executeWorkflow(orch, { blueprintId: 'engine-demo-2', environment: 'production', files: { 'main.tf': MAIN_TF }, approve: async () => false }),
      ).rejects.toThrow(/Deployment cancelled: Plan rejected by engine-approver/);
    } finally {
      await orch.close(5000);
    }
  });
});
