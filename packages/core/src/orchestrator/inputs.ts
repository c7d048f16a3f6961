import { z } from 'zod';
import {
  DeploymentOptionsSchema,
  DeploymentStatusSchema,
  EnvironmentSchema,
  FormatSchema,
  IdentifierSchema,
  TargetCloudSchema,
} from '../types/domain.js';
import { DeploySourceSchema } from '../types/deploy-source.js';

/**
 * Input schemas of the Orchestrator's public methods. The HTTP adapter validates request bodies with the
 * same schemas and generates its OpenAPI document from them: one source for validation, types and docs.
 */

export const REQUIRED_IDS_MESSAGE = 'blueprintId and generationJobId are required';
/** With a blueprintId but no code: the spec's message, naming the inline alternative too. */
export const CODE_REQUIRED_MESSAGE = 'blueprintId and generationJobId are required (or files, the code inline, or source, a Git repository, instead of generationJobId)';
/** A request naming its code twice (say `files` and `source`). */
export const ONE_CODE_SOURCE_MESSAGE = 'Give only one of generationJobId, files or source';

export const DeployInputSchema = z
  .object({
    blueprintId: IdentifierSchema,
    /** The IaC generator job whose output to deploy; optional only when `files` carries the code inline. */
    generationJobId: IdentifierSchema.nullish(),
    environment: EnvironmentSchema,
    targetCloud: TargetCloudSchema,
    format: FormatSchema,
    options: DeploymentOptionsSchema.default(DeploymentOptionsSchema.parse({})),
    /** Inline IaC files `{path: content}`, instead of a generator job. */
    files: z.record(z.string(), z.string()).optional(),
    /** Code from a Git repository (`{git: {url, ref, path}}`), instead of a generator job or files. */
    source: DeploySourceSchema.optional(),
  })
  .strict();
export type DeployInput = z.input<typeof DeployInputSchema>;

export const ListQuerySchema = z
  .object({
    blueprintId: IdentifierSchema.optional(),
    environment: EnvironmentSchema.optional(),
    status: DeploymentStatusSchema.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(500).optional(),
  })
  .strict();
export type ListQuery = z.input<typeof ListQuerySchema>;

export const LogsQuerySchema = z
  .object({
    cursor: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(5000).default(1000),
  })
  .strict();
export type LogsQuery = z.input<typeof LogsQuerySchema>;

export const RollbackInputSchema = z
  .object({
    targetVersion: z.number().int().positive(),
    reason: z.string().min(1).max(1000).optional(),
    autoApprove: z.boolean().optional(),
  })
  .strict();
export type RollbackInput = z.input<typeof RollbackInputSchema>;

export const DestroyInputSchema = z
  .object({ autoApprove: z.boolean().optional(), reason: z.string().max(1000).optional() })
  .strict();
export type DestroyInput = z.input<typeof DestroyInputSchema>;

export const ApprovalInputSchema = z.object({ comment: z.string().max(1000).optional() }).strict();
export type ApprovalInput = z.input<typeof ApprovalInputSchema>;

export const LockInputSchema = z
  .object({
    operation: z.string().min(1).max(100),
    who: z.string().min(1).max(200),
    info: z.string().max(1000).optional(),
    /** Lease of a manual lock; it expires unless unlocked or re-locked. Default 1 hour, max 7 days. */
    ttlMs: z.number().int().min(1000).max(7 * 24 * 3600 * 1000).optional(),
  })
  .strict();
export type LockInput = z.input<typeof LockInputSchema>;

export const UnlockInputSchema = z
  .object({
    lockId: z.string().min(1).max(200).optional(),
    /** Removes whatever lock is held, even a running deployment's (whose later writes are then refused). */
    force: z.boolean().optional(),
  })
  .strict()
  .refine((v) => v.lockId !== undefined || v.force === true, { message: 'lockId is required', path: ['lockId'] });
export type UnlockInput = z.input<typeof UnlockInputSchema>;

export const HistoryQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(100).default(10) }).strict();
export type HistoryQuery = z.input<typeof HistoryQuerySchema>;

/** Who is calling. The REST adapter fills it from the bearer token; an embedding service from its own auth. */
export interface Caller {
  /** A principal name for audit and `requestedBy` (never a credential). */
  id: string;
  /** May approve production deployments (and so auto-approve them). */
  canApprove?: boolean;
  /** An administrator: sees every manual lock's lockId, may force-release locks. */
  admin?: boolean;
  /** How the request reached the service when not through the REST API itself (e.g. a chat approval):
   * recorded in the audit details of an approve/reject as `via` plus these details. */
  via?: CallerChannel;
}

/** The channel a {@link Caller} acted through, e.g. `{ channel: 'slack', details: { slackUserId: 'U123' } }`.
 * Details are identities (user ids, names), never credentials. */
export interface CallerChannel {
  /** A short name of the channel, e.g. `slack`. */
  channel: string;
  /** Identities in that channel, e.g. the chat user's id and name and the workspace id. */
  details?: Record<string, string>;
}

/** The audit details a {@link CallerChannel} adds to a decision: its identities, then `via` (its name). */
export const channelDetail = (via: CallerChannel | undefined): Record<string, string> => ({ ...via?.details, ...(via ? { via: via.channel } : {}) });
