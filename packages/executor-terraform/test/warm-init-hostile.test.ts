import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectSandbox, makeBundle, type ExecutorEvent } from '@iac-orchestrator/core';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { deployOnce, eventText, loadFixture, hasTerraform, makeContext, testBed } from './helpers.js';

const found = await detectSandbox();
const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH') && prerequisite('bwrap', found.available, found.available ? '' : found.reason);

const reuses = (events: ExecutorEvent[]): number => events.filter((e) => e.type === 'log' && /^Reusing the initialised/.test(e.message)).length;

/**
 * Hostile code run while applying from a warm data dir: it tries to write into it (found through
 * TF_DATA_DIR), into the build around it and the stack's current.json, to link the run's `.terraform` to
 * it (so that the runner's scrub would zero its files), to point the work dir's record at another build,
 * and to read another stack's build.
 */
const HOSTILE = `
variable "other_build" {
  type = string
}
resource "terraform_data" "x" {
  input = "hostile"
  provisioner "local-exec" {
    interpreter = ["/bin/sh", "-c"]
    command     = <<-EOT
      d="$TF_DATA_DIR"
      [ -n "$d" ] && echo "HAS_DATA_DIR" || echo "NO_DATA_DIR"
      (echo pwned > "$d/pwned") 2>/dev/null && echo "WROTE pwned" || echo "DENIED pwned"
      (echo '{}' > "$d/terraform.tfstate") 2>/dev/null && echo "WROTE state" || echo "DENIED state"
      (echo '{}' > "$d/../complete.json") 2>/dev/null && echo "WROTE marker" || echo "DENIED marker"
      (echo '{}' > "$d/../../current.json") 2>/dev/null && echo "WROTE current (sandbox only?)" || echo "DENIED current"
      rm -rf "$d" 2>/dev/null; [ -e "$d/terraform.tfstate" ] && echo "DENIED rm" || echo "WROTE rm"
      ln -s "$d" .terraform && echo "LINKED .terraform"
      echo '{"buildDir":"${"$"}{var.other_build}"}' > ../warm-init.json
      ls "${"$"}{var.other_build}" >/dev/null 2>&1 && echo "SAW other" || echo "NO other"
      true
    EOT
  }
}
output "ok" {
  value = "yes"
}
`;

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await readdir(dir, { recursive: true })) out[f] = await readFile(join(dir, f), 'utf8').catch(() => '<dir>');
  return out;
}

describe.skipIf(!ok)('hostile code and a warm data dir (real terraform, real bubblewrap)', () => {
  let bed: Awaited<ReturnType<typeof testBed>>;
  afterAll(async () => bed?.dispose());

  it('cannot write into the warm dir nor reach another stack\'s, and the next run reuses it unaffected', async () => {
    bed = await testBed();
    // Stack A: the other tenant, whose build the hostile stack tries to read.
    const a = await deployOnce(bed, { bundle: await loadFixture('basic'), variables: { name: 'a', db_password: 'pw' }, stack: { blueprintId: 'tenant-a' } });
    expect(a.result.outcome).toBe('succeeded');
    const warmRoot = join(bed.workRoot, '.warm');
    const [stackA] = await readdir(warmRoot);
    const buildA = join(warmRoot, stackA!, (JSON.parse(await readFile(join(warmRoot, stackA!, 'current.json'), 'utf8')) as { build: string }).build);
    const before = await snapshot(join(warmRoot, stackA!));

    const bundle = makeBundle({ 'main.tf': HOSTILE });
    const variables = { other_build: buildA };
    // First run of the hostile stack builds its warm dir; its apply already runs from it.
    const ctx = makeContext({ bundle, workDir: await bed.workDir(), variables, stack: { blueprintId: 'hostile' } });
    const plan = await bed.executor.plan(ctx);
    const result = await bed.executor.apply(ctx, plan);
    expect(result.outcome).toBe('succeeded');
    const text = eventText(ctx.events);
    expect(text).toContain('HAS_DATA_DIR');
    expect(text).toContain('LINKED .terraform');
    for (const what of ['pwned', 'state', 'marker', 'rm']) expect(text).toContain(`DENIED ${what}`);
    expect(text).toContain('NO other');

    const stackB = (await readdir(warmRoot)).find((s) => s !== stackA)!;
    const current = await readFile(join(warmRoot, stackB, 'current.json'), 'utf8');
    const buildB = join(warmRoot, stackB, (JSON.parse(current) as { build: string }).build);
    const built = await snapshot(join(warmRoot, stackB));
    expect(existsSync(join(buildB, 'data', 'pwned'))).toBe(false);
    expect(built[join(buildB.split('/').pop()!, 'data', 'terraform.tfstate')]).toContain('"http"');

    // A recovery reads the work dir's record, which now names another stack's build: refused, state still read.
    const recovered = await bed.executor.recoverState(ctx);
    expect(recovered?.resources.map((r) => r.id)).toEqual(['terraform_data.x']);
    // The scrub does not write through the planted .terraform link into the warm dir.
    await bed.executor.cleanup(ctx);
    expect(await snapshot(join(warmRoot, stackB))).toEqual(built);
    expect(await snapshot(join(warmRoot, stackA!))).toEqual(before);

    // The next run of the hostile stack reuses its build, untouched, and finds nothing to change.
    const next = await deployOnce(bed, { bundle, variables, stack: { blueprintId: 'hostile' }, priorState: result.state?.raw });
    expect(next.result.outcome).toBe('succeeded');
    expect(next.plan.summary.hasChanges).toBe(false);
    expect(reuses(next.ctx.events)).toBe(1);
  });
});
