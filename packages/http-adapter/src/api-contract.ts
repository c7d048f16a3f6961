import { z } from 'zod';
import {
  DeploymentGroupRefSchema,
  DeploymentSourceSchema,
  DeploymentStatusSchema,
  DriftReportSchema,
  LockSummarySchema,
  LogEntrySchema,
  OperationSchema,
  PlanSummarySchema,
  REQUIRED_IDS_MESSAGE,
  ResourceSchema,
} from '@iac-orchestrator/core';
import { ROLES } from './auth.js';

/**
 * Response shapes of the REST API as zod schemas: the OpenAPI document is generated from them, and the
 * typed client (src/client) takes its types from them, so the document, the client and the console
 * cannot drift apart. Request shapes are core's input schemas.
 */

export const ErrorSchema = z.object({
  error: z.string().meta({ examples: [REQUIRED_IDS_MESSAGE, 'State is already locked'] }),
  field: z.string().optional().meta({ description: 'The offending field, for 400s' }),
  lock: z.record(z.string(), z.unknown()).nullable().optional().meta({ description: 'The holder, for 409 State is already locked' }),
});

export const StartedSchema = z.object({ deploymentId: z.string(), status: DeploymentStatusSchema, message: z.string() });

export const RollbackResultSchema = z.object({ deploymentId: z.string(), rollbackDeploymentId: z.string(), status: DeploymentStatusSchema });

export const LogsResponseSchema = z.object({ deploymentId: z.string(), logs: z.array(LogEntrySchema), nextCursor: z.number().int() });

const ApprovalSchema = z.object({
  decision: z.enum(['approved', 'rejected']),
  by: z.string().nullable(),
  at: z.string(),
  comment: z.string().nullable(),
});

export const DeploymentViewSchema = z
  .object({
    id: z.string(),
    blueprintId: z.string(),
    generationJobId: z.string().nullable().optional(),
    source: DeploymentSourceSchema.nullable().optional().meta({ description: 'Where the code came from when a Git repository: url, ref, path and the commit deployed' }),
    status: DeploymentStatusSchema,
    environment: z.string(),
    targetCloud: z.string(),
    format: z.string(),
    operation: OperationSchema.optional(),
    queuePosition: z.number().int().nonnegative().nullable().optional().meta({ description: 'While pending: how many deployments of the same stack are ahead of this one (0 = next); null otherwise' }),
    state: z.object({ stateId: z.string(), version: z.number().int().nullable(), resources: z.array(ResourceSchema), locked: z.boolean() }),
    outputs: z.record(z.string(), z.unknown()),
    error: z.string().nullable(),
    plan: PlanSummarySchema.nullable().optional(),
    drift: DriftReportSchema.nullable().optional(),
    approval: ApprovalSchema.nullable().optional(),
    target: z.string().nullable().optional().meta({ description: 'For a deployment group target: its name' }),
    region: z.string().nullable().optional().meta({ description: 'For a deployment group target: its region' }),
    group: DeploymentGroupRefSchema.optional().meta({ description: 'For a deployment group target: its group, order and place' }),
    rollbackOf: z.string().nullable().optional(),
    targetVersion: z.number().int().nullable().optional(),
    reason: z.string().nullable().optional(),
    rolledBackBy: z.string().nullable().optional(),
    requestedBy: z.string().nullable().optional(),
    options: z.record(z.string(), z.unknown()).optional(),
    createdAt: z.string(),
    updatedAt: z.string().optional(),
    startedAt: z.string().nullable().optional(),
    completedAt: z.string().nullable(),
  })
  .loose();

export const DeploymentSummarySchema = z
  .object({
    id: z.string(),
    blueprintId: z.string(),
    source: DeploymentSourceSchema.nullable().optional(),
    status: DeploymentStatusSchema,
    environment: z.string(),
    targetCloud: z.string(),
    format: z.string(),
    operation: OperationSchema.optional(),
    stateVersion: z.number().int().nullable().optional(),
    error: z.string().nullable(),
    requestedBy: z.string().nullable().optional(),
    createdAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .loose();

export const DeploymentListSchema = z.object({ deployments: z.array(DeploymentSummarySchema), nextCursor: z.string().nullable() });

export const StackStateSchema = z
  .object({
    stateId: z.string(),
    stackKey: z.string().optional(),
    version: z.number().int(),
    resources: z.array(ResourceSchema),
    outputs: z.record(z.string(), z.unknown()),
    lastModified: z.string().nullable(),
    locked: z.boolean(),
    lock: LockSummarySchema.loose().nullable(),
  })
  .loose();

export const LockResultSchema = z.object({ lockId: z.string() }).loose();
export const UnlockResultSchema = z.record(z.string(), z.unknown());

export const StateVersionViewSchema = z
  .object({
    version: z.number().int(),
    stateId: z.string(),
    stackKey: z.string(),
    deploymentId: z.string(),
    reason: z.string(),
    retained: z.boolean(),
    source: DeploymentSourceSchema.nullable().optional().meta({ description: 'The Git source (with its commit) of the deployment that wrote this version, when its code came from Git' }),
    resources: z.array(ResourceSchema),
    outputs: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .loose();
export const StateHistorySchema = z.object({ deploymentId: z.string(), versions: z.array(StateVersionViewSchema) });

/** `GET /api/me`: who the token belongs to, so a client shows only the actions its caller may take. */
export const MeSchema = z.object({
  name: z.string(),
  role: z.enum(ROLES),
  canApprove: z.boolean().meta({ description: 'May approve or reject plans (approver or admin)' }),
});

export const HealthSchema = z.object({ status: z.string() }).loose();
export const ReadinessSchema = z.object({ status: z.enum(['ready', 'not_ready']) }).loose();

/** `POST /api/deployment-groups` and `GET /api/deployment-groups/:id`: core's group view, as it is. */
export { DeploymentGroupSchema } from '@iac-orchestrator/core';

export type ApiErrorBody = z.output<typeof ErrorSchema>;
export type Started = z.output<typeof StartedSchema>;
export type RollbackResult = z.output<typeof RollbackResultSchema>;
export type LogsResponse = z.output<typeof LogsResponseSchema>;
export type DeploymentView = z.output<typeof DeploymentViewSchema>;
export type DeploymentSummaryView = z.output<typeof DeploymentSummarySchema>;
export type DeploymentList = z.output<typeof DeploymentListSchema>;
export type StackStateView = z.output<typeof StackStateSchema>;
export type LockResult = z.output<typeof LockResultSchema>;
export type StateVersionView = z.output<typeof StateVersionViewSchema>;
export type StateHistory = z.output<typeof StateHistorySchema>;
export type Me = z.output<typeof MeSchema>;
export type { DeploymentGroup as DeploymentGroupView } from '@iac-orchestrator/core';
