import { z } from 'zod';
import { checkVariables } from '../variable-limits.js';

/** The formats of this repository's executors. Others plug in: a format is whatever an executor declares. */
export const KNOWN_FORMATS = ['terraform', 'bicep', 'cloudformation'] as const;
export type KnownFormat = (typeof KNOWN_FORMATS)[number];
/** Lowercase letters, digits and "-" (it ends up in names and paths): `terraform`, `helm`, `pulumi-yaml`. */
export const FORMAT_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
/**
 * An IaC format: one of {@link KNOWN_FORMATS} or any other an executor declares (`helm`, `pulumi`,
 * `opentofu`...). A request's format is checked against the registered executors, not against a fixed list.
 */
export type Format = KnownFormat | (string & {});
export const FormatSchema: z.ZodType<Format, Format> = z
  .string()
  .regex(FORMAT_PATTERN, 'format must be lowercase letters, digits or "-" (e.g. terraform, bicep, cloudformation)')
  .meta({ description: 'The format of a registered executor; this repository ships terraform, bicep and cloudformation', examples: [...KNOWN_FORMATS] });

/** The clouds whose credentials the SDK knows how to pick out (`AWS_*`; `AZURE_*`/`ARM_*`; `GCP_*`/`GOOGLE_*`/`CLOUDSDK_*`). */
export const KNOWN_TARGET_CLOUDS = ['azure', 'aws', 'gcp'] as const;
export type KnownTargetCloud = (typeof KNOWN_TARGET_CLOUDS)[number];
/**
 * The cloud a deployment targets; decides which credentials reach the executor. One of
 * {@link KNOWN_TARGET_CLOUDS}, or another name (same alphabet as formats) for which an executor's
 * `credentialEnv` picks the credentials; with the default picker an unknown cloud gets none.
 */
export type TargetCloud = KnownTargetCloud | (string & {});
export const TargetCloudSchema: z.ZodType<TargetCloud, TargetCloud> = z
  .string()
  .regex(FORMAT_PATTERN, 'targetCloud must be lowercase letters, digits or "-" (e.g. aws, azure, gcp)')
  .meta({ description: 'The target cloud; aws, azure and gcp have their credentials picked out by default', examples: [...KNOWN_TARGET_CLOUDS] });

/** Deployment lifecycle (see ARCHITECTURE.md, Domain). */
export const DeploymentStatusSchema = z.enum([
  'pending',
  'planning',
  'awaiting_approval',
  'applying',
  'completed',
  'failed',
  'cancelled',
  'planned',
  'rolled_back',
]);
export type DeploymentStatus = z.infer<typeof DeploymentStatusSchema>;

/** Statuses after which a deployment never runs again. `rolled_back` is set on a completed one later. */
export const TERMINAL_STATUSES: readonly DeploymentStatus[] = ['completed', 'failed', 'cancelled', 'planned', 'rolled_back'];
export const isTerminal = (s: DeploymentStatus): boolean => TERMINAL_STATUSES.includes(s);

/** Resource statuses, as the spec's table names them. */
export const ResourceStatusSchema = z.enum(['creating', 'created', 'updating', 'updated', 'deleting', 'deleted', 'failed']);
export type ResourceStatus = z.infer<typeof ResourceStatusSchema>;

/** What one deployment does to its stack. */
export const OperationSchema = z.enum(['apply', 'destroy', 'rollback', 'drift']);
export type Operation = z.infer<typeof OperationSchema>;

/** Environment names: free-form, but kept to a safe alphabet since they end up in names and paths. */
export const EnvironmentSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'environment must be letters, digits, ".", "_" or "-"');

export const IdentifierSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]*$/, 'must be letters, digits, ".", "_", ":", "@" or "-"');

/** The unit of state lineage and locking. */
export const StackRefSchema = z.object({
  blueprintId: IdentifierSchema,
  environment: EnvironmentSchema,
  targetCloud: TargetCloudSchema,
  format: FormatSchema,
});
export type StackRef = z.infer<typeof StackRefSchema>;

/** A resource as the spec shows it; `id` is the tool's address (terraform address, logical id...). */
export const ResourceSchema = z.object({
  id: z.string(),
  type: z.string(),
  name: z.string(),
  provider: z.string().optional(),
  status: ResourceStatusSchema,
  attributes: z.record(z.string(), z.unknown()).default({}),
  dependencies: z.array(z.string()).default([]),
  /** Physical id in the cloud, where the tool knows it (ARN, Azure resource id...). */
  physicalId: z.string().optional(),
});
export type Resource = z.infer<typeof ResourceSchema>;

export const LogLevelSchema = z.enum(['debug', 'info', 'warn', 'error']);
export type LogLevel = z.infer<typeof LogLevelSchema>;

export const LogEntrySchema = z.object({
  timestamp: z.string(),
  level: LogLevelSchema,
  message: z.string(),
  resource: z.string().nullable(),
});
export type LogEntry = z.infer<typeof LogEntrySchema>;

/** IaC files keyed by relative path; content-addressed by `digest` (sha256 over sorted paths and contents). */
export const BundleSchema = z.object({
  digest: z.string(),
  files: z.record(z.string(), z.string()),
});
export type Bundle = z.infer<typeof BundleSchema>;

export const PlannedActionSchema = z.enum(['create', 'update', 'delete', 'replace', 'no-op', 'read']);
export type PlannedAction = z.infer<typeof PlannedActionSchema>;

/** One attribute a planned update changes; `before`/`after` absent when unknown (known after apply). */
export const AttributeChangeSchema = z.object({
  name: z.string(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  sensitive: z.boolean().optional(),
});

/** What a plan would do: shown for approval, stored with the deployment. */
export const PlanSummarySchema = z.object({
  add: z.number().int().nonnegative(),
  change: z.number().int().nonnegative(),
  destroy: z.number().int().nonnegative(),
  hasChanges: z.boolean(),
  resources: z.array(
    z.object({
      id: z.string(),
      type: z.string().optional(),
      action: PlannedActionSchema,
      reason: z.string().optional(),
      /** The attributes an update or replace changes (sensitive values masked by the executor); optional. */
      changes: z.array(AttributeChangeSchema).optional(),
    }),
  ),
});
export type PlanSummary = z.infer<typeof PlanSummarySchema>;

export const DriftReportSchema = z.object({
  drifted: z.boolean(),
  checkedAt: z.string(),
  resources: z.array(z.object({ id: z.string(), type: z.string().optional(), change: z.string(), detail: z.string().optional() })),
  /** Set when the executor or its endpoint cannot detect drift. */
  unsupported: z.string().optional(),
});
export type DriftReport = z.infer<typeof DriftReportSchema>;

export const DeploymentOptionsSchema = z
  .object({
    autoApprove: z.boolean().default(false),
    dryRun: z.boolean().default(false),
    parallelism: z.number().int().min(1).max(256).default(10),
    /** Input variables / template parameters. Values are passed to the tool, never string-built into code. */
    variables: z.record(z.string(), z.unknown()).superRefine(checkVariables).default({}),
    /** Names of variables whose values are secrets: masked everywhere. */
    sensitiveVariables: z.array(z.string()).default([]),
    /** Format-specific settings (resource group, capabilities, tags...), validated by the executor. */
    executor: z.record(z.string(), z.unknown()).default({}),
    /** Milliseconds; capped by the orchestrator's `maxDeploymentTimeoutMs`. */
    timeoutMs: z.number().int().positive().optional(),
  })
  .strict();
export type DeploymentOptions = z.infer<typeof DeploymentOptionsSchema>;

export const LockSummarySchema = z.object({
  /** The secret that releases a manual lock: shown only to its holder and to admins. */
  lockId: z.string().optional(),
  operation: z.string(),
  who: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});

export const DeploymentSchema = z.object({
  id: z.string(),
  stackKey: z.string(),
  blueprintId: z.string(),
  generationJobId: z.string().nullable(),
  environment: z.string(),
  targetCloud: TargetCloudSchema,
  format: FormatSchema,
  operation: OperationSchema,
  status: DeploymentStatusSchema,
  options: DeploymentOptionsSchema,
  bundleDigest: z.string(),
  /** Who asked for it (a principal name from the caller; never a credential). */
  requestedBy: z.string().nullable(),
  /** Version the plan was made from; apply is refused if the stack moved since. */
  baseVersion: z.number().int().nonnegative().nullable(),
  /** Version this deployment wrote, if any (also after a failure that left partial state). */
  stateVersion: z.number().int().positive().nullable(),
  plan: PlanSummarySchema.nullable(),
  drift: DriftReportSchema.nullable(),
  resources: z.array(ResourceSchema),
  outputs: z.record(z.string(), z.unknown()),
  error: z.string().nullable(),
  /** For a rollback: the deployment being rolled back, the version restored and why. */
  rollbackOf: z.string().nullable(),
  targetVersion: z.number().int().positive().nullable(),
  reason: z.string().nullable(),
  /** Set on the original when a rollback of it completes. */
  rolledBackBy: z.string().nullable(),
  approval: z
    .object({ decision: z.enum(['approved', 'rejected']), by: z.string().nullable(), at: z.string(), comment: z.string().nullable() })
    .nullable(),
  /** When a cancel was asked (from any process); the running job is aborted through the queue at once. */
  cancelRequestedAt: z.string().nullable(),
  /** Lock held by this deployment while it runs (ids only; the token stays in memory and the store). */
  lock: z.object({ lockId: z.string(), token: z.number().int() }).nullable(),
  /** Process that runs it (host:pid:instance), for recovery. */
  owner: z.string().nullable(),
  /** Bumped on every write after creation; `replaceDeployment` compares it (compare-and-set). */
  revision: z.number().int().nonnegative().default(0),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  /** While `pending`: how many deployments of the same stack are ahead of this one (0 = next). Computed
   * when the deployment is read; never stored. */
  queuePosition: z.number().int().nonnegative().nullable().optional(),
});
export type Deployment = z.infer<typeof DeploymentSchema>;

/** One saved version of a stack's state. */
export const StateVersionSchema = z.object({
  stackKey: z.string(),
  stateId: z.string(),
  version: z.number().int().positive(),
  deploymentId: z.string(),
  bundleDigest: z.string(),
  resources: z.array(ResourceSchema),
  outputs: z.record(z.string(), z.unknown()),
  /** The executor's native state; null once the version falls out of retention. */
  raw: z.unknown().nullable(),
  /** False once older than the retention count: metadata only, no raw state, no bundle. */
  retained: z.boolean(),
  /** Why the version was written: a completed apply, a partial one after a failure, a cancel... */
  reason: z.enum(['applied', 'partial', 'destroyed', 'rollback', 'recovered']),
  createdAt: z.string(),
});
export type StateVersion = z.infer<typeof StateVersionSchema>;

/** A stack lock: Terraform's LockInfo fields, a lease and a fencing token. */
export const LockSchema = z.object({
  lockId: z.string(),
  stackKey: z.string(),
  operation: z.string(),
  who: z.string(),
  info: z.string().default(''),
  createdAt: z.string(),
  expiresAt: z.string(),
  /** Strictly increasing per stack on every acquire: a write carrying an older token is refused. */
  token: z.number().int().nonnegative(),
  /** The deployment holding it, if it is a deployment's run lock; null for a manual lock. */
  deploymentId: z.string().nullable().default(null),
});
export type Lock = z.infer<typeof LockSchema>;

export const AuditEntrySchema = z.object({
  at: z.string(),
  who: z.string().nullable(),
  action: z.string(),
  stackKey: z.string().nullable(),
  deploymentId: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).default({}),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** The state view the spec's `GET /:id/state` shows. */
export interface StackState {
  stateId: string;
  stackKey: string;
  version: number;
  resources: Resource[];
  outputs: Record<string, unknown>;
  lastModified: string | null;
  locked: boolean;
  /** The holder's lock; `lockId` only when the caller holds it or is an admin. */
  lock: (Omit<Lock, 'token' | 'lockId'> & { lockId?: string }) | null;
}
