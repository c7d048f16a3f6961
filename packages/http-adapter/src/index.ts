/**
 * @iac-orchestrator/http-adapter: the REST API of the orchestrator service over any `Orchestrator`, the
 * IaC-generator code source, and the standalone service behind `iac-orchestrator serve` / `npm start`.
 * @packageDocumentation
 */
export { buildServer, type HttpAdapterOptions, type RouteContext } from './server.js';
export { orchestratorRoutes, orchestratorHandler, type OrchestratorRoutesOptions, type OrchestratorHandlerOptions, type OrchestratorHandler } from './mount.js';
export type { EventedOrchestrator } from './orchestrator-port.js';
export { HttpGeneratorCodeSource, filesOf, MAIN_FILE_BY_FORMAT, GenerationJobSchema, type GenerationJob, type HttpGeneratorCodeSourceOptions } from './generator-code-source.js';
export { ROLES, parseApiTokens, authenticate, bearerToken, hasRole, callerOf, MIN_TOKEN_LENGTH, TokenConfigError, type Role, type ApiToken, type Principal } from './auth.js';
export { STATUS_BY_CODE, toHttpError, codeSourceStatus, UnauthenticatedError, RequestFormatError, type HttpErrorBody } from './http-errors.js';
export { loadConfig, collectCredentials, EnvSchema, ConfigError, type ServiceConfig } from './config.js';
export { parseGitCredentials, type GitServiceConfig } from './git-config.js';
export { ServiceMetrics } from './metrics.js';
export { buildOpenApiDocument } from './openapi.js';
export { createLogger, REDACTED_PATHS } from './logger.js';
export { createStore, FileStoreNeedsImportError, MissingStorePackageError, REDIS_STORE_PACKAGE, SQLITE_STORE_PACKAGE } from './store-factory.js';
export { startService, createCodeSource, type RunningService } from './service.js';
export { createExecutors, EXECUTOR_PACKAGES, MissingExecutorPackageError } from './executor-packages.js';
export { slackRoutes, SLACK_ACTIONS_PATH, SLACK_MAX_BODY_BYTES, type SlackApprovalOptions } from './routes/slack.js';
export { parseSlackApprovers, authorizeSlackUser, SlackApproverSchema, SlackApproversError, type SlackApprover, type SlackIdentity, type SlackAuthorization } from './slack/approvers.js';
export { slackSignature, verifySlackRequest, SLACK_MAX_SKEW_SECONDS } from './slack/signature.js';
export { SLACK_ACTION_IDS, SlackActionPayloadSchema, decisionOf, type SlackActionPayload, type SlackDecisionRequest } from './slack/payload.js';
export { SlackResponder, SLACK_RESPONSE_URL_PREFIX, responseUrlPrefixOf, type SlackResponseMessage } from './slack/responder.js';
export { slackSettingsOf, type SlackEnv } from './slack/settings.js';
