/**
 * @iac-orchestrator/executor-terraform: the Terraform / OpenTofu executor for @iac-orchestrator/core.
 * @packageDocumentation
 */
export { TerraformExecutor, type TerraformExecutorOptions } from './executor.js';
export * from './commands/index.js';
export { TERRAFORM_DEFAULTS, NON_INTERACTIVE_FLAGS } from './defaults.js';
export { buildChildEnv, terraformCredentialEnv, PARENT_ENV_ALLOWLIST, type ChildEnvSettings } from './env.js';
export { interpretLine, StreamInterpreter, type Diagnostic, type Drift, type StreamItem } from './stream.js';
export { normaliseState, type TfState, type NormaliseInput } from './state.js';
export { summarisePlan, driftFromPlan, plannedAction, sensitiveMarks, type ShownPlan } from './plan-summary.js';
export { decodeArtifact, type TerraformPlanArtifact } from './artifact.js';
export { compareVersions } from './binary.js';
