import { z } from 'zod';
import { GroupOrderSchema, RegionSchema, TargetNameSchema } from '../../types/domain.js';
import { checkVariables } from '../../variable-limits.js';
import { DeployInputSchema } from '../inputs.js';

/** Most targets one deployment group may have: each is a stack, a plan and an apply of its own. */
export const MAX_GROUP_TARGETS = 20;

/** One target of a deployment group: its own stack (state lineage and lock), region and variables. */
export const GroupTargetSchema = z
  .object({
    /** Unique within the group; part of the target's stack key with the region. */
    name: TargetNameSchema,
    /** The cloud region; reaches the tool as `AWS_REGION`/`AWS_DEFAULT_REGION` (aws) or `GOOGLE_REGION`/`CLOUDSDK_COMPUTE_REGION` (gcp). */
    region: RegionSchema,
    /** Merged over the group's `options.variables` for this target only. */
    variables: z.record(z.string(), z.unknown()).superRefine(checkVariables).optional(),
  })
  .strict();
export type GroupTarget = z.output<typeof GroupTargetSchema>;

/**
 * A deployment group request: one blueprint and its code (the same fields as a deployment's), deployed to
 * several targets, each its own stack. `order: 'canary'` runs the first target, then the rest once it
 * completed; `parallel` runs them all at once.
 */
export const DeploymentGroupInputSchema = DeployInputSchema.extend({
  targets: z.array(GroupTargetSchema).min(1, 'at least one target is required').max(MAX_GROUP_TARGETS, `at most ${MAX_GROUP_TARGETS} targets per group`),
  order: GroupOrderSchema.default('parallel'),
})
  .strict()
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.targets.forEach((t, i) => {
      if (seen.has(t.name)) ctx.addIssue({ code: 'custom', path: ['targets', i, 'name'], message: `duplicate target name "${t.name}"` });
      seen.add(t.name);
    });
  });
export type DeploymentGroupInput = z.input<typeof DeploymentGroupInputSchema>;
