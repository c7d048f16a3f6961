/**
 * @iac-orchestrator/executor-cloudformation: AWS CloudFormation deployments through the `aws` CLI, with
 * change sets as the saved plan.
 * @packageDocumentation
 */
export { CloudFormationExecutor } from './executor.js';
export { optionsFromEnv, type CloudFormationExecutorOptions } from './config.js';
export { CAPABILITIES, parseDeploymentOptions, type CloudFormationDeploymentOptions } from './executor-options.js';
export type { CloudFormationArtifact } from './artifact.js';
export type { CloudFormationRawState } from './state.js';
export type { Capability } from './commands/create-change-set.js';
export { stackNameFor, changeSetNameFor } from './stack-name.js';
export { mapStackEvent, resourceStatusOf } from './events.js';
export { DEFAULTS } from './defaults.js';
