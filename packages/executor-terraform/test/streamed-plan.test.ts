/**
 * The plan summary read from `terraform plan -json`'s own stream equals the one `show -json` of the same
 * saved plan gives, attribute changes aside (the executor runs `show -json` on Terraform ≥ 1.11 only for
 * plans that update or replace something, for those changes), on real terraform over
 * create, update, replace by request, replace of a tainted resource, removal and an output-only change.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { summarisePlan, summariseStreamedPlan, type ShownPlan } from '../src/plan-summary.js';
import { StreamInterpreter } from '../src/stream.js';
import { hasTerraform } from './helpers.js';

const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH');

const config = (opts: { name: string; extra?: boolean; output?: string }) => `
resource "terraform_data" "network" { input = "net-${opts.name}" }
resource "terraform_data" "app" { input = { name = "${opts.name}", net = terraform_data.network.id } }
${opts.extra ? 'resource "terraform_data" "extra" { input = "x" }' : ''}
output "greeting" { value = "${opts.output ?? 'hello'}" }
`;

describe.skipIf(!ok)('plan summary from the plan stream vs `show -json` (real terraform)', () => {
  let dir = '';
  const tf = (args: string[]) => execa('terraform', args, { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, TF_IN_AUTOMATION: '1' }, extendEnv: false });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tf-streamed-plan-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Plans (`-json -out`) with `extraArgs`, returns both summaries, then applies that plan. */
  async function planBothWays(tfConfig: string, extraArgs: string[] = []) {
    await writeFile(join(dir, 'main.tf'), tfConfig);
    const stream = new StreamInterpreter(() => undefined);
    const r = await tf(['plan', '-input=false', '-json', '-out=tfplan', ...extraArgs]);
    for (const line of r.stdout.split('\n')) stream.line(line);
    const shown = JSON.parse((await tf(['show', '-json', 'tfplan'])).stdout) as ShownPlan;
    // The stream carries no attribute values: `show -json`'s per-attribute `changes` (which the executor
    // still reads for plans that update or replace) are left out of the comparison.
    const fromShow = summarisePlan(shown);
    const both = { streamed: summariseStreamedPlan(stream.planned, stream.outputActions), shown: { ...fromShow, resources: fromShow.resources.map(({ changes: _changes, ...r }) => r) } };
    await tf(['apply', '-input=false', 'tfplan']);
    return both;
  }

  it('gives the same counts, actions, reasons and hasChanges', { timeout: 120_000 }, async () => {
    await tf(['init', '-input=false']);
    const cases = [
      { label: 'create', cfg: config({ name: 'a', extra: true }) },
      { label: 'update', cfg: config({ name: 'b', extra: true }) },
      { label: 'replace by request', cfg: config({ name: 'b', extra: true }), args: ['-replace=terraform_data.network'] },
      { label: 'removal', cfg: config({ name: 'b' }) },
      { label: 'output only', cfg: config({ name: 'b', output: 'bye' }) },
      { label: 'nothing', cfg: config({ name: 'b', output: 'bye' }) },
    ];
    const seen: Record<string, unknown> = {};
    for (const c of cases) {
      const { streamed, shown } = await planBothWays(c.cfg, c.args);
      expect(streamed, c.label).toEqual(shown);
      seen[c.label] = streamed;
    }
    await tf(['taint', 'terraform_data.app']);
    const tainted = await planBothWays(config({ name: 'b', output: 'bye' }));
    expect(tainted.streamed).toEqual(tainted.shown);

    // and the cases really covered what they say
    expect(seen.create).toMatchObject({ add: 3, change: 0, destroy: 0, hasChanges: true });
    expect(seen.update).toMatchObject({ change: 2 });
    expect(seen['replace by request']).toMatchObject({ resources: expect.arrayContaining([{ id: 'terraform_data.network', type: 'terraform_data', action: 'replace', reason: 'replace_by_request' }]) });
    expect(seen.removal).toMatchObject({ destroy: 1, resources: [{ id: 'terraform_data.extra', type: 'terraform_data', action: 'delete', reason: 'delete_because_no_resource_config' }] });
    expect(seen['output only']).toEqual({ add: 0, change: 0, destroy: 0, hasChanges: true, resources: [] });
    expect(seen.nothing).toEqual({ add: 0, change: 0, destroy: 0, hasChanges: false, resources: [] });
    expect(tainted.streamed.resources).toContainEqual({ id: 'terraform_data.app', type: 'terraform_data', action: 'replace', reason: 'replace_because_tainted' });
  });
});
