/* eslint-disable @typescript-eslint/no-empty-object-type -- each record is an interface extending its schema's type (not an alias) so that typedoc lists and documents its fields; the schema stays the single source. */
import { z } from 'zod';

export const PlannedActionSchema = z.enum(['create', 'update', 'delete', 'replace', 'no-op', 'read']);
export type PlannedAction = z.infer<typeof PlannedActionSchema>;

/** One attribute a planned update changes; `before`/`after` absent when unknown (known after apply). */
export const AttributeChangeSchema = z.object({
  /** The attribute's name (a dotted path for nested ones). */
  name: z.string(),
  /** Its value now. */
  before: z.unknown().optional(),
  /** Its value after the change. */
  after: z.unknown().optional(),
  /** True when the values are secret (then masked). */
  sensitive: z.boolean().optional(),
});

/** What a plan would do: shown for approval, stored with the deployment. */
export const PlanSummarySchema = z.object({
  /** How many resources the plan creates. */
  add: z.number().int().nonnegative(),
  /** How many it updates in place (or replaces). */
  change: z.number().int().nonnegative(),
  /** How many it deletes. */
  destroy: z.number().int().nonnegative(),
  /** False when applying would change nothing. */
  hasChanges: z.boolean(),
  /** What the plan does to each resource. */
  resources: z.array(
    z.object({
      /** The resource's address (as {@link Resource.id}). */
      id: z.string(),
      /** Its type, where the tool says. */
      type: z.string().optional(),
      /** What the plan does to it. */
      action: PlannedActionSchema,
      /** Why, where the tool says (e.g. what forces a replacement). */
      reason: z.string().optional(),
      /** The attributes an update or replace changes (sensitive values masked by the executor); optional. */
      changes: z.array(AttributeChangeSchema).optional(),
    }),
  ),
});
/** What a plan would do: shown for approval, stored with the deployment. */
export interface PlanSummary extends z.infer<typeof PlanSummarySchema> {}

export const DriftReportSchema = z.object({
  /** True when the cloud differs from the stack's current state version. */
  drifted: z.boolean(),
  /** When the check ran (ISO 8601). */
  checkedAt: z.string(),
  /** The drifted resources: address, type, kind of change (`update`, `delete`...) and a detail where known. */
  resources: z.array(z.object({ id: z.string(), type: z.string().optional(), change: z.string(), detail: z.string().optional() })),
  /** Set when the executor or its endpoint cannot detect drift. */
  unsupported: z.string().optional(),
});
/** The outcome of a drift check. */
export interface DriftReport extends z.infer<typeof DriftReportSchema> {}
