/**
 * @iac-orchestrator/queue-bullmq: the `JobQueue` engine on BullMQ (Redis), for runs spread over any
 * number of processes and machines.
 * @packageDocumentation
 */
export { BullMqJobQueue, type BullMqJobQueueOptions } from './bullmq-queue.js';
