import { z } from 'zod';
import { NotificationEventTypeSchema } from '@iac-orchestrator/core';

/** One line of a deployment's notification delivery log (core's `NotificationDelivery`). */
export const NotificationDeliverySchema = z.object({
  at: z.string(),
  deliveryId: z.string().meta({ description: 'Same on every attempt of one event to one subscription (the X-Orchestrator-Delivery header)' }),
  event: NotificationEventTypeSchema,
  subscription: z.object({
    source: z.enum(['configured', 'deployment']),
    key: z.string(),
    url: z.string().meta({ description: 'Without credentials or query; only the origin for a configured subscription' }),
    format: z.string(),
  }),
  outcome: z.enum(['queued', 'delivered', 'retrying', 'dead_letter']),
  attempt: z.number().int().nonnegative(),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
});

/** `GET /api/deployments/:id/notifications`: every queued event and every delivery attempt, oldest first. */
export const NotificationLogSchema = z.object({ deploymentId: z.string(), deliveries: z.array(NotificationDeliverySchema) });
export type NotificationLog = z.output<typeof NotificationLogSchema>;
