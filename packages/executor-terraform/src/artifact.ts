import { createHash } from 'node:crypto';
import { ExecutorError } from '@iac-orchestrator/core';

/**
 * What `plan` hands the orchestrator to store and `apply` executes, possibly in another process with an
 * empty work dir: the saved plan's bytes and the provider lock file that init needs to install exactly the
 * providers the plan was made with. JSON-serialisable (binary as base64).
 */
export interface TerraformPlanArtifact {
  kind: 'terraform-plan';
  formatVersion: 1;
  /** Base64 of the saved plan file (it embeds variable values: store it encrypted). */
  plan: string;
  /** sha256 of the plan bytes, checked before apply. */
  planSha256: string;
  /** `.terraform.lock.hcl` written by init at plan time, or null (builtin providers only). */
  lockFile: string | null;
  /** The plan was made with `lockFile` minus its hashes (its provider packages verified by the runner,
   * see provider-trust.ts): its apply must use that form too. Absent in older artifacts: false. */
  lockWithoutHashes?: boolean;
  /** Whether the bundle has its own backend (state from `state pull`, not the local file). */
  backend: boolean;
  /** Sensitive attributes by resource address, from the plan (see `sensitiveMarks`). */
  sensitive: Record<string, unknown>;
  operation: string;
  bundleDigest: string;
  /** CLI version that wrote the plan; Terraform refuses a plan from another version. */
  terraformVersion: string;
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export function encodeArtifact(fields: Omit<TerraformPlanArtifact, 'kind' | 'formatVersion' | 'plan' | 'planSha256'>, plan: Buffer): TerraformPlanArtifact {
  return { kind: 'terraform-plan', formatVersion: 1, plan: plan.toString('base64'), planSha256: sha256(plan), ...fields };
}

/** Validates a stored artifact and returns it with the plan bytes; throws ExecutorError if it is not ours or damaged. */
export function decodeArtifact(value: unknown): { artifact: TerraformPlanArtifact; plan: Buffer } {
  const a = value as Partial<TerraformPlanArtifact> | null;
  if (!a || typeof a !== 'object' || a.kind !== 'terraform-plan' || a.formatVersion !== 1 || typeof a.plan !== 'string') {
    throw new ExecutorError('The saved plan is not a Terraform plan artifact');
  }
  const plan = Buffer.from(a.plan, 'base64');
  if (sha256(plan) !== a.planSha256) throw new ExecutorError('The saved plan is damaged (checksum mismatch)');
  return { artifact: a as TerraformPlanArtifact, plan };
}
