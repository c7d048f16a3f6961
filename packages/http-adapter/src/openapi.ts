import { z } from 'zod';
import {
  ApprovalInputSchema,
  DeployInputSchema,
  DeploymentGroupInputSchema,
  DeploymentGroupSchema,
  DestroyInputSchema,
  HistoryQuerySchema,
  ListQuerySchema,
  LockInputSchema,
  LogsQuerySchema,
  RollbackInputSchema,
  UnlockInputSchema,
} from '@iac-orchestrator/core';
import {
  DeploymentListSchema,
  DeploymentViewSchema,
  ErrorSchema,
  HealthSchema,
  LockResultSchema,
  LogsResponseSchema,
  MeSchema,
  ReadinessSchema,
  RollbackResultSchema,
  StackStateSchema,
  StartedSchema,
  StateHistorySchema,
  UnlockResultSchema,
} from './api-contract.js';
import { NotificationLogSchema } from './notifications-contract.js';
import type { Role } from './auth.js';
import { SLACK_ACTIONS_PATH } from './routes/slack.js';
import { SLACK_SIGNATURE_SCHEME, slackActionRequestJsonSchema, slackActionsOperation } from './slack/openapi.js';
import { EmptyBodySchema } from './validation.js';

type JsonSchema = Record<string, unknown>;

/** The same zod schemas that validate requests, as JSON Schema (OpenAPI 3.1 uses draft 2020-12). */
const schemaOf = (s: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

const json = (schema: JsonSchema) => ({ content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: ERROR_TEXT[c] ?? 'Error', ...json(ref('Error')) }]));
const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input (the field is named)',
  401: 'No or unknown bearer token',
  403: 'The token lacks the role',
  404: 'Not found',
  409: 'Locked, conflicting or not in a state that allows it',
  410: 'Version past retention',
  413: 'Body too large',
  415: 'Body is not JSON',
  422: 'Generation job not completed',
  502: 'Generator or tool failed',
  503: 'Store unavailable',
};

/** Turns a strict query schema into OpenAPI query parameters. */
function queryParams(s: z.ZodObject): unknown[] {
  const props = (schemaOf(s).properties ?? {}) as Record<string, JsonSchema>;
  return Object.entries(props).map(([name, schema]) => ({ name, in: 'query', required: false, schema }));
}

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

interface Op {
  /** Unique; the typed client (src/client) has a method of the same name for each. */
  operationId: string;
  summary: string;
  role?: Role;
  body?: string;
  query?: z.ZodObject;
  ok: [number, JsonSchema | null, string?];
  errs: number[];
}

function operation(op: Op, withId: boolean) {
  const params = [...(withId ? [idParam] : []), ...(op.query ? queryParams(op.query) : [])];
  const okContent = op.ok[1] ? (op.ok[2] ? { content: { [op.ok[2]]: { schema: op.ok[1] } } } : json(op.ok[1])) : {};
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.role ? { security: [{ bearer: [] }], 'x-required-role': op.role } : { security: [] }),
    ...(params.length ? { parameters: params } : {}),
    ...(op.body ? { requestBody: { required: false, ...json(ref(op.body)) } } : {}),
    responses: {
      [String(op.ok[0])]: { description: 'OK', ...okContent },
      // A public route still refuses a bearer token it does not know (401), rather than ignoring it.
      ...errors(...op.errs, ...(op.role ? [401, 403] : [401])),
    },
  };
}

/** The operations of the API by path and method: the document's paths and the client's method names. */
export function apiOperations(): Record<string, Record<string, Op & { withId: boolean }>> {
  const D = '/api/deployments/{id}';
  const op = (withId: boolean, o: Op) => ({ ...o, withId });
  return {
    '/api/deployments': {
      post: op(false, { operationId: 'startDeployment', summary: 'Start a deployment', role: 'deployer', body: 'DeployInput', ok: [202, ref('Started')], errs: [400, 404, 409, 413, 415, 422, 502] }),
      get: op(false, { operationId: 'listDeployments', summary: 'List deployments', role: 'viewer', query: ListQuerySchema, ok: [200, ref('DeploymentList')], errs: [400] }),
    },
    [D]: { get: op(true, { operationId: 'getDeployment', summary: 'Get a deployment', role: 'viewer', ok: [200, ref('Deployment')], errs: [404] }) },
    [`${D}/logs`]: {
      get: op(true, { operationId: 'getLogs', summary: 'Deployment logs (JSON, or a live stream of log, status and end events with Accept: text/event-stream)', role: 'viewer', query: LogsQuerySchema, ok: [200, ref('Logs')], errs: [400, 404] }),
    },
    [`${D}/cancel`]: { post: op(true, { operationId: 'cancelDeployment', summary: 'Cancel a deployment', role: 'deployer', body: 'Empty', ok: [200, ref('Deployment')], errs: [404, 409] }) },
    [`${D}/approve`]: { post: op(true, { operationId: 'approveDeployment', summary: 'Approve a plan awaiting approval', role: 'approver', body: 'ApprovalInput', ok: [200, ref('Deployment')], errs: [400, 404, 409] }) },
    [`${D}/reject`]: { post: op(true, { operationId: 'rejectDeployment', summary: 'Reject a plan awaiting approval', role: 'approver', body: 'ApprovalInput', ok: [200, ref('Deployment')], errs: [400, 404, 409] }) },
    [`${D}/rollback`]: { post: op(true, { operationId: 'rollbackDeployment', summary: 'Roll back to a state version', role: 'deployer', body: 'RollbackInput', ok: [202, ref('RollbackResult')], errs: [400, 404, 409, 410] }) },
    [`${D}/destroy`]: { post: op(true, { operationId: 'destroyDeployment', summary: "Destroy the deployment's stack", role: 'deployer', body: 'DestroyInput', ok: [202, ref('Started')], errs: [400, 404, 409] }) },
    [`${D}/drift`]: { post: op(true, { operationId: 'detectDrift', summary: 'Detect drift of the stack', role: 'deployer', body: 'Empty', ok: [202, ref('Started')], errs: [404, 409] }) },
    [`${D}/state`]: { get: op(true, { operationId: 'getState', summary: 'Current stack state', role: 'viewer', ok: [200, ref('StackState')], errs: [404] }) },
    [`${D}/state/lock`]: { post: op(true, { operationId: 'lockState', summary: 'Lock the stack state', role: 'deployer', body: 'LockInput', ok: [200, ref('LockResult')], errs: [400, 404, 409] }) },
    [`${D}/state/unlock`]: {
      post: op(true, { operationId: 'unlockState', summary: 'Unlock the stack state (force: admin only)', role: 'deployer', body: 'UnlockInput', ok: [200, ref('UnlockResult')], errs: [400, 404, 409] }),
    },
    [`${D}/state/history`]: { get: op(true, { operationId: 'getStateHistory', summary: 'State version history', role: 'viewer', query: HistoryQuerySchema, ok: [200, ref('StateHistory')], errs: [400, 404] }) },
    '/api/deployment-groups': {
      post: op(false, { operationId: 'startDeploymentGroup', summary: 'Deploy one blueprint to several targets (regions), in parallel or canary order', role: 'deployer', body: 'DeploymentGroupInput', ok: [202, ref('DeploymentGroup')], errs: [400, 404, 409, 413, 415, 422, 502] }),
    },
    '/api/deployment-groups/{id}': { get: op(true, { operationId: 'getDeploymentGroup', summary: 'Get a deployment group: its status and each target', role: 'viewer', ok: [200, ref('DeploymentGroup')], errs: [404] }) },
    '/api/deployment-groups/{id}/approve': {
      post: op(true, { operationId: 'approveDeploymentGroup', summary: 'Approve every plan of a group awaiting approval (one decision)', role: 'approver', body: 'ApprovalInput', ok: [200, ref('DeploymentGroup')], errs: [400, 404, 409] }),
    },
    '/api/deployment-groups/{id}/reject': {
      post: op(true, { operationId: 'rejectDeploymentGroup', summary: 'Reject a group awaiting approval: every open target ends cancelled', role: 'approver', body: 'ApprovalInput', ok: [200, ref('DeploymentGroup')], errs: [400, 404, 409] }),
    },
    [`${D}/notifications`]: {
      get: op(true, { operationId: 'getNotifications', summary: 'Notification delivery log: each queued event and every attempt (status code, error, retry, dead letter)', role: 'viewer', ok: [200, ref('NotificationLog')], errs: [404] }),
    },
    '/api/me': { get: op(false, { operationId: 'getMe', summary: "The caller's name and role (what a client may offer it)", role: 'viewer', ok: [200, ref('Me')], errs: [] }) },
    '/health': { get: op(false, { operationId: 'getHealth', summary: 'Liveness', ok: [200, ref('Health')], errs: [] }) },
    '/ready': { get: op(false, { operationId: 'getReadiness', summary: 'Readiness: store reachable, executors found', ok: [200, ref('Readiness')], errs: [503] }) },
    '/metrics': { get: op(false, { operationId: 'getMetrics', summary: 'Prometheus metrics', ok: [200, { type: 'string' }, 'text/plain'], errs: [] }) },
    '/openapi.json': { get: op(false, { operationId: 'getOpenApiDocument', summary: 'This document', ok: [200, { type: 'object' }], errs: [] }) },
  };
}

/** The OpenAPI 3.1 document of the REST API, generated from the request and response schemas. */
export function buildOpenApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, methods] of Object.entries(apiOperations())) {
    paths[path] = Object.fromEntries(Object.entries(methods).map(([method, { withId, ...o }]) => [method, operation(o, withId)]));
  }
  paths[SLACK_ACTIONS_PATH] = { post: slackActionsOperation(ref('Error')) };
  return {
    openapi: '3.1.0',
    info: {
      title: 'IaC Orchestrator',
      version: '0.1.0',
      description: 'Plans, approves, applies and keeps versioned, locked state of Terraform, Bicep and CloudFormation deployments.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    // Relative: the document is served by the service it describes, wherever that is mounted.
    servers: [{ url: '/', description: 'The service serving this document' }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token of ORCHESTRATOR_API_TOKENS (roles viewer < deployer < approver < admin)' },
        slackSignature: SLACK_SIGNATURE_SCHEME,
      },
      schemas: {
        DeployInput: schemaOf(DeployInputSchema),
        DeploymentGroupInput: schemaOf(DeploymentGroupInputSchema),
        DeploymentGroup: schemaOf(DeploymentGroupSchema, 'output'),
        RollbackInput: schemaOf(RollbackInputSchema),
        DestroyInput: schemaOf(DestroyInputSchema),
        ApprovalInput: schemaOf(ApprovalInputSchema),
        LockInput: schemaOf(LockInputSchema),
        UnlockInput: schemaOf(UnlockInputSchema),
        Empty: schemaOf(EmptyBodySchema),
        Error: schemaOf(ErrorSchema, 'output'),
        Started: schemaOf(StartedSchema, 'output'),
        RollbackResult: schemaOf(RollbackResultSchema, 'output'),
        Logs: schemaOf(LogsResponseSchema, 'output'),
        Deployment: schemaOf(DeploymentViewSchema, 'output'),
        DeploymentList: schemaOf(DeploymentListSchema, 'output'),
        StackState: schemaOf(StackStateSchema, 'output'),
        LockResult: schemaOf(LockResultSchema, 'output'),
        UnlockResult: schemaOf(UnlockResultSchema, 'output'),
        StateHistory: schemaOf(StateHistorySchema, 'output'),
        Me: schemaOf(MeSchema, 'output'),
        NotificationLog: schemaOf(NotificationLogSchema, 'output'),
        Health: schemaOf(HealthSchema, 'output'),
        Readiness: schemaOf(ReadinessSchema, 'output'),
        SlackActionRequest: slackActionRequestJsonSchema(),
      },
    },
  };
}
