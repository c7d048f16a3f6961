/**
 * Every default of the Terraform executor in one place, so the argv builders, the runner and the
 * README agree on them.
 */
export const TERRAFORM_DEFAULTS = {
  /** The CLI to run; an OpenTofu path (e.g. `/usr/bin/tofu`) works too. */
  binary: 'terraform',
  /** Oldest CLI we accept: `show -json` of a saved plan, `-json` UI streams and `terraform_data` need 1.4+. */
  minVersion: '1.4.0',
  /** Time Terraform gets to stop gracefully after SIGINT before its process group is killed. */
  cancelGraceMs: 30_000,
  /**
   * `GOGC` of Terraform and its providers (Go programs): a collection when the heap has grown 400% since
   * the last one, against Go's 100. Measured on a 20-resource aws plan: about 25% less CPU and 10% less
   * wall time for a few tens of MB more per process. `TERRAFORM_GOGC` / `goGc` changes it.
   */
  goGc: 400,
  /** Terraform's own default for concurrent operations. */
  parallelism: 10,
  /** Name of the saved plan file inside the work dir. */
  planFile: 'tfplan',
  /** Sub-directory of the work dir holding the bundle (Terraform's working directory). */
  stackDir: 'stack',
  /** Variables file, outside the stack dir so a bundle file can never collide with it. */
  varFile: 'orchestrator.tfvars.json',
  /** Largest state the runner accepts from Terraform (served backend POST, state files it reads). */
  maxStateBytes: 64 * 1024 * 1024,
} as const;

/** Always passed so Terraform never waits on a prompt nor paints colours into our logs. */
export const NON_INTERACTIVE_FLAGS = ['-input=false', '-no-color'] as const;
