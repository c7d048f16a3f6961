/**
 * Notifications of deployment events: subscriptions, signed webhooks, Slack and Teams payloads, the
 * delivery log.
 * @module
 */
export {
  NotificationEventTypeSchema,
  NotificationFormatSchema,
  DeploymentSubscriptionSchema,
  DeploymentNotifySchema,
  ConfiguredSubscriptionSchema,
  type NotificationEventType,
  type NotificationFormat,
  type DeploymentSubscription,
  type ConfiguredSubscription,
  type SubscriptionRef,
} from './subscriptions.js';
export {
  SIGNATURE_HEADER,
  EVENT_HEADER,
  DELIVERY_HEADER,
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  signWebhookPayload,
  verifyWebhookSignature,
  type VerifyWebhookSignatureInput,
  type WebhookVerification,
} from './signature.js';
export type { NotificationEvent } from './event.js';
export { SLACK_APPROVE_ACTION_ID, SLACK_REJECT_ACTION_ID, type SlackMessageOptions } from './slack.js';
export { slackDecisionValue, slackDecisionValueOf, readSlackDecisionValue, planDigestOf, type PlannedDeployment, type SlackDecisionValue } from './slack-decision.js';
export { notificationBody } from './payloads.js';
export { deliveryLogOf, NOTIFICATION_ACTIONS, type NotificationDelivery, type DeliveryOutcome } from './delivery-log.js';
export type { NotificationOptions } from './options.js';
