import { z } from 'zod';
import {
  ApprovalInputSchema,
  DeployInputSchema,
  DeploymentStatusSchema,
  DestroyInputSchema,
  HistoryQuerySchema,
  ListQuerySchema,
  LockInputSchema,
  LogEntrySchema,
  LogsQuerySchema,
  REQUIRED_IDS_MESSAGE,
  ResourceSchema,
  RollbackInputSchema,
  UnlockInputSchema,
} from '@iac-orchestrator/core';
import type { Role } from './auth.js';
import { EmptyBodySchema } from './validation.js';

type JsonSchema = Record<string, unknown>;

/** The same zod schemas that validate requests, as JSON Schema (OpenAPI 3.1 uses draft 2020-12). */
const schemaOf = (s: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

const ErrorSchema = z.object({
  error: z.string().meta({ examples: [REQUIRED_IDS_MESSAGE, 'State is already locked'] }),
  field: z.string().optional().meta({ description: 'The offending field, for 400s' }),
  lock: z.record(z.string(), z.unknown()).nullable().optional().meta({ description: 'The holder, for 409 State is already locked' }),
});
const StartedSchema = z.object({ deploymentId: z.string(), status: DeploymentStatusSchema, message: z.string() });
const RollbackResultSchema = z.object({ deploymentId: z.string(), rollbackDeploymentId: z.string(), status: DeploymentStatusSchema });
const LogsResponseSchema = z.object({ deploymentId: z.string(), logs: z.array(LogEntrySchema), nextCursor: z.number().int() });
const DeploymentViewSchema = z
  .object({
    id: z.string(),
    blueprintId: z.string(),
    status: DeploymentStatusSchema,
    environment: z.string(),
    targetCloud: z.string(),
    format: z.string(),
    queuePosition: z.number().int().nonnegative().nullable().meta({ description: 'While pending: how many deployments of the same stack are ahead of this one (0 = next); null otherwise' }),
    state: z.object({ stateId: z.string(), version: z.number().int().nullable(), resources: z.array(ResourceSchema), locked: z.boolean() }),
    outputs: z.record(z.string(), z.unknown()),
    error: z.string().nullable(),
    createdAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .loose();

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
  summary: string;
  role?: Role;
  body?: string;
  query?: z.ZodObject;
  ok: [number, JsonSchema | null];
  errs: number[];
}

function operation(op: Op, withId: boolean) {
  const params = [...(withId ? [idParam] : []), ...(op.query ? queryParams(op.query) : [])];
  return {
    summary: op.summary,
    ...(op.role ? { security: [{ bearer: [] }], 'x-required-role': op.role } : { security: [] }),
    ...(params.length ? { parameters: params } : {}),
    ...(op.body ? { requestBody: { required: false, ...json(ref(op.body)) } } : {}),
    responses: {
      [String(op.ok[0])]: { description: 'OK', ...(op.ok[1] ? json(op.ok[1]) : {}) },
      ...errors(...op.errs, ...(op.role ? [401, 403] : [])),
    },
  };
}

/** The OpenAPI 3.1 document of the REST API, generated from the request schemas. */
export function buildOpenApiDocument(): Record<string, unknown> {
  const D = '/api/deployments/{id}';
  const paths: Record<string, Record<string, unknown>> = {
    '/api/deployments': {
      post: operation({ summary: 'Start a deployment', role: 'deployer', body: 'DeployInput', ok: [202, ref('Started')], errs: [400, 404, 409, 413, 415, 422, 502] }, false),
      get: operation({ summary: 'List deployments', role: 'viewer', query: ListQuerySchema, ok: [200, { type: 'object', properties: { deployments: { type: 'array', items: { type: 'object' } }, nextCursor: { type: ['string', 'null'] } } }], errs: [400] }, false),
    },
    [D]: { get: operation({ summary: 'Get a deployment', role: 'viewer', ok: [200, ref('Deployment')], errs: [404] }, true) },
    [`${D}/logs`]: {
      get: operation({ summary: 'Deployment logs (JSON, or a live stream with Accept: text/event-stream)', role: 'viewer', query: LogsQuerySchema, ok: [200, ref('Logs')], errs: [400, 404] }, true),
    },
    [`${D}/cancel`]: { post: operation({ summary: 'Cancel a deployment', role: 'deployer', body: 'Empty', ok: [200, ref('Deployment')], errs: [404, 409] }, true) },
    [`${D}/approve`]: { post: operation({ summary: 'Approve a plan awaiting approval', role: 'approver', body: 'ApprovalInput', ok: [200, ref('Deployment')], errs: [400, 404, 409] }, true) },
    [`${D}/reject`]: { post: operation({ summary: 'Reject a plan awaiting approval', role: 'approver', body: 'ApprovalInput', ok: [200, ref('Deployment')], errs: [400, 404, 409] }, true) },
    [`${D}/rollback`]: { post: operation({ summary: 'Roll back to a state version', role: 'deployer', body: 'RollbackInput', ok: [202, ref('RollbackResult')], errs: [400, 404, 409, 410] }, true) },
    [`${D}/destroy`]: { post: operation({ summary: "Destroy the deployment's stack", role: 'deployer', body: 'DestroyInput', ok: [202, ref('Started')], errs: [400, 404, 409] }, true) },
    [`${D}/drift`]: { post: operation({ summary: 'Detect drift of the stack', role: 'deployer', body: 'Empty', ok: [202, ref('Started')], errs: [404, 409] }, true) },
    [`${D}/state`]: { get: operation({ summary: 'Current stack state', role: 'viewer', ok: [200, { type: 'object' }], errs: [404] }, true) },
    [`${D}/state/lock`]: { post: operation({ summary: 'Lock the stack state', role: 'deployer', body: 'LockInput', ok: [200, { type: 'object' }], errs: [400, 404, 409] }, true) },
    [`${D}/state/unlock`]: {
      post: operation({ summary: 'Unlock the stack state (force: admin only)', role: 'deployer', body: 'UnlockInput', ok: [200, { type: 'object' }], errs: [400, 404, 409] }, true),
    },
    [`${D}/state/history`]: { get: operation({ summary: 'State version history', role: 'viewer', query: HistoryQuerySchema, ok: [200, { type: 'object' }], errs: [400, 404] }, true) },
    '/health': { get: operation({ summary: 'Liveness', ok: [200, { type: 'object' }], errs: [] }, false) },
    '/ready': { get: operation({ summary: 'Readiness: store reachable, executors found', ok: [200, { type: 'object' }], errs: [503] }, false) },
    '/metrics': { get: operation({ summary: 'Prometheus metrics', ok: [200, null], errs: [] }, false) },
    '/openapi.json': { get: operation({ summary: 'This document', ok: [200, { type: 'object' }], errs: [] }, false) },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'IaC Orchestrator', version: '0.1.0', description: 'Plans, approves, applies and keeps versioned, locked state of Terraform, Bicep and CloudFormation deployments.' },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token of ORCHESTRATOR_API_TOKENS (roles viewer < deployer < approver < admin)' } },
      schemas: {
        DeployInput: schemaOf(DeployInputSchema),
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
      },
    },
  };
}
