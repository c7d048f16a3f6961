/* eslint-disable @typescript-eslint/no-empty-object-type -- each record is an interface extending its schema's type (not an alias) so that typedoc lists and documents its fields; the schema stays the single source. */
import { z } from 'zod';
import { checkVariables } from '../variable-limits.js';
import { DeploymentNotifySchema } from '../notifications/subscriptions.js';
import { DeploymentSourceSchema } from './deploy-source.js';
import { DriftReportSchema, PlanSummarySchema } from './plan.js';

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

/** A deployment group target's name: lowercase letters, digits and "-" (it ends up in stack keys). */
export const TargetNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'target name must be 1-63 lowercase letters, digits or "-"')
  .meta({ examples: ['eu', 'us-east'] });

/** A cloud region as the cloud names it (`eu-west-1`, `westeurope`, `europe-west1`). */
export const RegionSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'region must be 1-63 lowercase letters, digits or "-" (e.g. eu-west-1, westeurope)')
  .meta({ examples: ['eu-west-1', 'westeurope', 'europe-west1'] });

/** The unit of state lineage and locking. */
export const StackRefSchema = z.object({
  /** The blueprint (the IaC code's identity in the caller's catalogue) the stack deploys. */
  blueprintId: IdentifierSchema,
  /** The environment it is deployed to (`dev`, `staging`, `production`...). */
  environment: EnvironmentSchema,
  /** The cloud it targets; decides which credentials reach the executor. */
  targetCloud: TargetCloudSchema,
  /** The IaC format, that is which executor runs it. */
  format: FormatSchema,
  /** The target of a deployment group (see {@link TargetNameSchema}); absent for a plain deployment, whose
   * key is then exactly the four fields above. With it, `region` is part of the identity too. */
  target: TargetNameSchema.optional(),
  /** The target's region (`eu-west-1`, `westeurope`...); set with `target`. */
  region: RegionSchema.optional(),
});
/** A stack's identity: one state lineage and one lock per blueprint, environment, cloud and format (and,
 * for a deployment group's target, per target name and region). */
export interface StackRef extends z.infer<typeof StackRefSchema> {}

/** A resource as the spec shows it; `id` is the tool's address (terraform address, logical id...). */
export const ResourceSchema = z.object({
  /** The tool's address of the resource (terraform address, CloudFormation logical id, ARM resource name). */
  id: z.string(),
  /** The resource type as the tool names it (`aws_s3_bucket`, `AWS::S3::Bucket`...). */
  type: z.string(),
  /** Its name within the code. */
  name: z.string(),
  /** The provider that manages it, where the tool says. */
  provider: z.string().optional(),
  /** What the last run did to it. */
  status: ResourceStatusSchema,
  /** Its attributes as the tool reports them, sensitive values masked. */
  attributes: z.record(z.string(), z.unknown()).default({}),
  /** Ids of the resources it depends on. */
  dependencies: z.array(z.string()).default([]),
  /** Physical id in the cloud, where the tool knows it (ARN, Azure resource id...). */
  physicalId: z.string().optional(),
});
/** A resource of a stack, as a deployment or state version shows it. */
export interface Resource extends z.infer<typeof ResourceSchema> {}

export const LogLevelSchema = z.enum(['debug', 'info', 'warn', 'error']);
export type LogLevel = z.infer<typeof LogLevelSchema>;

export const LogEntrySchema = z.object({
  /** When it was written (ISO 8601). */
  timestamp: z.string(),
  /** Its severity. */
  level: LogLevelSchema,
  /** The line, with credentials and secret values masked. */
  message: z.string(),
  /** The resource it is about, if any. */
  resource: z.string().nullable(),
});
/** One line of a deployment's log. */
export interface LogEntry extends z.infer<typeof LogEntrySchema> {}

/** IaC files keyed by relative path; content-addressed by `digest` (sha256 over sorted paths and contents). */
export const BundleSchema = z.object({
  /** sha256 over the sorted paths and contents: the bundle's identity. */
  digest: z.string(),
  /** File contents keyed by relative path. */
  files: z.record(z.string(), z.string()),
});
/** The IaC code of a deployment, stored once per digest. */
export interface Bundle extends z.infer<typeof BundleSchema> {}

/** What a plan would do and what a drift check found: see plan.ts. */
export * from './plan.js';

export const DeploymentOptionsSchema = z
  .object({
    /** Apply without waiting for an approval (refused for protected environments unless the caller may approve). */
    autoApprove: z.boolean().default(false),
    /** Plan only: the deployment ends `planned` and nothing is applied. */
    dryRun: z.boolean().default(false),
    /** How many resources the tool may change at once, where it supports it. */
    parallelism: z.number().int().min(1).max(256).default(10),
    /** Input variables / template parameters. Values are passed to the tool, never string-built into code. */
    variables: z.record(z.string(), z.unknown()).superRefine(checkVariables).default({}),
    /** Names of variables whose values are secrets: masked everywhere. */
    sensitiveVariables: z.array(z.string()).default([]),
    /** Format-specific settings (resource group, capabilities, tags...), validated by the executor. */
    executor: z.record(z.string(), z.unknown()).default({}),
    /** Milliseconds; capped by the orchestrator's `maxDeploymentTimeoutMs`. */
    timeoutMs: z.number().int().positive().optional(),
    /** Who to notify of this deployment's events (URLs limited to the service's allowed notification
     * hosts; signed with the service's webhook secret: no secret in the request). Each URL is sealed with
     * the sensitive variables; a stored record shows `<origin>/…`. */
    notify: DeploymentNotifySchema.optional(),
  })
  .strict();
/** How a deployment runs. */
export interface DeploymentOptions extends z.infer<typeof DeploymentOptionsSchema> {}

export const LockSummarySchema = z.object({
  /** The secret that releases a manual lock: shown only to its holder and to admins. */
  lockId: z.string().optional(),
  /** What holds it (`apply`, `plan`, a manual lock's stated reason...). */
  operation: z.string(),
  /** Who holds it (a principal name). */
  who: z.string(),
  /** When it was taken (ISO 8601). */
  createdAt: z.string(),
  /** When its lease ends unless renewed (ISO 8601). */
  expiresAt: z.string(),
});
/** A stack lock as the REST API shows it (no fencing token). */
export interface LockSummary extends z.infer<typeof LockSummarySchema> {}

/** How the targets of a deployment group run: all at once, or the first then the rest once it completed. */
export const GroupOrderSchema = z.enum(['parallel', 'canary']);
export type GroupOrder = z.infer<typeof GroupOrderSchema>;

/** What a member deployment of a deployment group knows of its group (stored on its record). */
export const DeploymentGroupRefSchema = z.object({
  /** The group's id; member ids are derived from it (see `groupMemberId`). */
  id: z.string(),
  /** The group's order. */
  order: GroupOrderSchema,
  /** This member's place: 0 is the first target (the canary). */
  index: z.number().int().nonnegative(),
  /** How many targets the group has. */
  size: z.number().int().positive(),
});
/** What a member deployment of a deployment group knows of its group. */
export interface DeploymentGroupRef extends z.infer<typeof DeploymentGroupRefSchema> {}

export const DeploymentSchema = z.object({
  /** The deployment's id (a UUID). */
  id: z.string(),
  /** The key of its stack (see {@link StackRef}): deployments with the same key share state and lock. */
  stackKey: z.string(),
  /** See {@link StackRef.blueprintId}. */
  blueprintId: z.string(),
  /** The code-generation job its code came from, when the code was not given inline. */
  generationJobId: z.string().nullable(),
  /** Where its code came from when a Git repository: URL, ref, path and the commit the ref resolved to
   * (a rollback carries the source of the version it restores). Absent or null otherwise. */
  source: DeploymentSourceSchema.nullable().optional(),
  /** See {@link StackRef.environment}. */
  environment: z.string(),
  /** See {@link StackRef.targetCloud}. */
  targetCloud: TargetCloudSchema,
  /** See {@link StackRef.format}. */
  format: FormatSchema,
  /** The deployment group target it deploys (see {@link StackRef.target}); absent or null otherwise. */
  target: z.string().nullable().optional(),
  /** The region of its target (see {@link StackRef.region}); absent or null for a plain deployment. */
  region: z.string().nullable().optional(),
  /** For a member of a deployment group: the group, its order and this member's place in it. */
  group: DeploymentGroupRefSchema.nullable().optional(),
  /** What it does to its stack: apply, destroy, rollback or drift check. */
  operation: OperationSchema,
  /** Where it is in its lifecycle (see {@link DeploymentStatus}). */
  status: DeploymentStatusSchema,
  /** How it runs (variables with secret values removed, approval, timeout...). */
  options: DeploymentOptionsSchema,
  /** The digest of its code's {@link Bundle}. */
  bundleDigest: z.string(),
  /** Who asked for it (a principal name from the caller; never a credential). */
  requestedBy: z.string().nullable(),
  /** Version the plan was made from; apply is refused if the stack moved since. */
  baseVersion: z.number().int().nonnegative().nullable(),
  /** Version this deployment wrote, if any (also after a failure that left partial state). */
  stateVersion: z.number().int().positive().nullable(),
  /** What its plan would do, once planned. */
  plan: PlanSummarySchema.nullable(),
  /** For a drift check: what it found. */
  drift: DriftReportSchema.nullable(),
  /** The stack's resources as its run left them. */
  resources: z.array(ResourceSchema),
  /** The stack's outputs after its apply (sensitive ones masked). */
  outputs: z.record(z.string(), z.unknown()),
  /** Why it failed (masked), when it did. */
  error: z.string().nullable(),
  /** For a rollback: the deployment being rolled back, the version restored and why. */
  rollbackOf: z.string().nullable(),
  /** For a rollback: the state version restored. */
  targetVersion: z.number().int().positive().nullable(),
  /** Why a rollback or destroy was asked for, as the caller said. */
  reason: z.string().nullable(),
  /** Set on the original when a rollback of it completes. */
  rolledBackBy: z.string().nullable(),
  /** The approval decision: who approved or rejected it, when, with what comment (`auto-approved` when the policy did). */
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
  /** When it was requested (ISO 8601). */
  createdAt: z.string(),
  /** When its record last changed (ISO 8601). */
  updatedAt: z.string(),
  /** When a runner started its plan (ISO 8601). */
  startedAt: z.string().nullable(),
  /** When it reached a terminal status (ISO 8601). */
  completedAt: z.string().nullable(),
  /** While `pending`: how many deployments of the same stack are ahead of this one (0 = next). Computed
   * when the deployment is read; never stored. */
  queuePosition: z.number().int().nonnegative().nullable().optional(),
});
/** One request to apply, destroy, roll back or drift-check a stack, and everything known about its run. */
export interface Deployment extends z.infer<typeof DeploymentSchema> {}

/** One saved version of a stack's state. */
export const StateVersionSchema = z.object({
  /** The stack it belongs to. */
  stackKey: z.string(),
  /** The stack's state id (stable across versions). */
  stateId: z.string(),
  /** 1, 2, 3...: increases by one on every write of the stack's state. */
  version: z.number().int().positive(),
  /** The deployment that wrote it. */
  deploymentId: z.string(),
  /** The digest of the code it was applied from (what a rollback re-applies). */
  bundleDigest: z.string(),
  /** Where that code came from when a Git repository (with its commit): filled in when the history is
   * read, from the deployment that wrote the version; never stored with the version. */
  source: DeploymentSourceSchema.nullable().optional(),
  /** The stack's resources in this version. */
  resources: z.array(ResourceSchema),
  /** The stack's outputs in this version. */
  outputs: z.record(z.string(), z.unknown()),
  /** The executor's native state; null once the version falls out of retention. */
  raw: z.unknown().nullable(),
  /** False once older than the retention count: metadata only, no raw state, no bundle. */
  retained: z.boolean(),
  /** Why the version was written: a completed apply, a partial one after a failure, a cancel... */
  reason: z.enum(['applied', 'partial', 'destroyed', 'rollback', 'recovered']),
  /** When it was written (ISO 8601). */
  createdAt: z.string(),
});
/** One saved version of a stack's state. */
export interface StateVersion extends z.infer<typeof StateVersionSchema> {}

/** A stack lock: Terraform's LockInfo fields, a lease and a fencing token. */
export const LockSchema = z.object({
  /** The lock's id: the secret that releases it. */
  lockId: z.string(),
  /** The stack it locks. */
  stackKey: z.string(),
  /** What holds it (`apply`, `plan`, a manual lock's stated reason...). */
  operation: z.string(),
  /** Who holds it (a principal name). */
  who: z.string(),
  /** Free text from the holder. */
  info: z.string().default(''),
  /** When it was taken (ISO 8601). */
  createdAt: z.string(),
  /** When its lease ends unless renewed (ISO 8601). */
  expiresAt: z.string(),
  /** Strictly increasing per stack on every acquire: a write carrying an older token is refused. */
  token: z.number().int().nonnegative(),
  /** The deployment holding it, if it is a deployment's run lock; null for a manual lock. */
  deploymentId: z.string().nullable().default(null),
});
/** A stack lock: Terraform's LockInfo fields, a lease and a fencing token. */
export interface Lock extends z.infer<typeof LockSchema> {}

export const AuditEntrySchema = z.object({
  /** When it happened (ISO 8601). */
  at: z.string(),
  /** Who did it (a principal name), or null for the orchestrator itself / an anonymous caller. */
  who: z.string().nullable(),
  /** What was done: `deployment.create`, `deployment.approve`, `lock.force-release`, `state.history`... */
  action: z.string(),
  /** The stack concerned, if any. */
  stackKey: z.string().nullable(),
  /** The deployment concerned, if any. */
  deploymentId: z.string().nullable(),
  /** Action-specific details (masked: never a secret). */
  detail: z.record(z.string(), z.unknown()).default({}),
});
/** One entry of the audit trail: who did what, when. */
export interface AuditEntry extends z.infer<typeof AuditEntrySchema> {}

/** The state view the spec's `GET /:id/state` shows. */
export interface StackState {
  /** The stack's state id (stable across versions). */
  stateId: string;
  /** The stack's key. */
  stackKey: string;
  /** The current state version (0 before the first apply). */
  version: number;
  /** The resources in the current version. */
  resources: Resource[];
  /** The outputs of the current version. */
  outputs: Record<string, unknown>;
  /** When the current version was written (ISO 8601), null before the first apply. */
  lastModified: string | null;
  /** True while a deployment or a manual lock holds the stack's lock. */
  locked: boolean;
  /** The holder's lock; `lockId` only when the caller holds it or is an admin. */
  lock: (Omit<Lock, 'token' | 'lockId'> & { lockId?: string }) | null;
}
