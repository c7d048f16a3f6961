/**
 * @iac-orchestrator/executor-bicep: Azure Bicep / ARM deployments through the Azure CLI, with
 * what-if as the plan. See {@link BicepExecutor}.
 * @packageDocumentation
 */
export { BicepExecutor } from './executor.js';
export { DEFAULTS, type BicepExecutorOptions, type DeploymentMode, type AzureLogin } from './options.js';
export { AzureCliError, parseAzureError } from './az-errors.js';
export { BicepCompileError, parseBicepDiagnostics, type BicepDiagnostic } from './compile.js';
export type { DeployArtifact, DestroyArtifact, BicepArtifact } from './artifact.js';
export type { BicepRawState, StackResource } from './state.js';
export { CHANGE_TYPES, type ChangeType, type ResourceChange } from './what-if.js';
export { deploymentNameFor, conventionalResourceGroup } from './naming.js';
export { buildLoginArgs, buildManagedIdentityLoginArgs } from './commands/login.js';
export { buildAccountSetArgs } from './commands/account-set.js';
export { buildBicepBuildArgs, buildAzBicepBuildArgs } from './commands/bicep-build.js';
export { buildGroupExistsArgs } from './commands/group-exists.js';
export { buildGroupCreateArgs } from './commands/group-create.js';
export { buildValidateArgs } from './commands/validate.js';
export { buildWhatIfArgs } from './commands/what-if.js';
export { buildCreateArgs, type DeploymentInputs } from './commands/create.js';
export { buildShowArgs } from './commands/show.js';
export { buildOperationListArgs } from './commands/operations.js';
export { buildCancelArgs } from './commands/cancel.js';
export { buildResourceDeleteArgs } from './commands/resource-delete.js';
export { buildAzVersionArgs, buildBicepVersionArgs } from './commands/version.js';
