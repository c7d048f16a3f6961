import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isTerminal, type DeploymentStatus, type OrchestratorEvents } from '@iac-orchestrator/core';
import type { EventedOrchestrator } from './orchestrator-port.js';

/** Statuses that end a deployment with an outcome worth counting. */
const OUTCOMES: readonly DeploymentStatus[] = ['completed', 'failed', 'cancelled', 'planned'];

/**
 * Prometheus metrics of one service process, fed from the orchestrator's events: active deployments,
 * outcomes, durations, state versions written and lock contention. Each server gets its own registry,
 * so several in one process (tests, embedding) never collide.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly active = new Set<string>();
  private readonly detach: Array<() => void> = [];

  private readonly activeGauge = new Gauge({
    name: 'iac_orchestrator_active_deployments',
    help: 'Deployments of this process not yet finished (pending, planning, awaiting approval, applying)',
    registers: [this.registry],
    collect: () => {
      this.activeGauge.set(this.active.size);
    },
  });
  private readonly outcomes = new Counter({
    name: 'iac_orchestrator_deployments_total',
    help: 'Deployments that ended, by outcome',
    labelNames: ['outcome', 'format', 'operation'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'iac_orchestrator_deployment_duration_seconds',
    help: 'Time from start to end of a deployment',
    labelNames: ['outcome', 'format'] as const,
    buckets: [5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600],
    registers: [this.registry],
  });
  private readonly stateVersions = new Counter({
    name: 'iac_orchestrator_state_versions_total',
    help: 'State versions written, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly lockContention = new Counter({
    name: 'iac_orchestrator_lock_contention_total',
    help: 'Times a stack lock was found held by someone else',
    registers: [this.registry],
  });

  private readonly notifications = new Counter({
    name: 'iac_orchestrator_notifications_total',
    help: 'Notification delivery attempts, by outcome (delivered, retrying, dead_letter) and event',
    labelNames: ['outcome', 'event'] as const,
    registers: [this.registry],
  });

  private streamCount: () => number = () => 0;
  private readonly streamsGauge = new Gauge({
    name: 'iac_orchestrator_log_streams_active',
    help: 'Live log streams open (each with its poller), all tokens together',
    registers: [this.registry],
    collect: () => {
      this.streamsGauge.set(this.streamCount());
    },
  });

  /** Where the open-streams gauge reads its value (the server's stream registry). */
  observeStreams(count: () => number): void {
    this.streamCount = count;
  }

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Subscribes to an orchestrator's events; returns a function that unsubscribes. */
  observe(orchestrator: EventedOrchestrator): () => void {
    const onStatus: OrchestratorEvents['status'] = (e) => {
      if (!isTerminal(e.status)) {
        this.active.add(e.deploymentId);
        return;
      }
      const wasActive = this.active.delete(e.deploymentId);
      // `rolled_back` marks an old, already-counted deployment: not a new outcome.
      if (!OUTCOMES.includes(e.status) || !wasActive) return;
      const d = e.deployment;
      this.outcomes.inc({ outcome: e.status, format: d.format, operation: d.operation });
      const start = Date.parse(d.startedAt ?? d.createdAt);
      const end = Date.parse(d.completedAt ?? d.updatedAt);
      if (Number.isFinite(start) && Number.isFinite(end) && end >= start) {
        this.duration.observe({ outcome: e.status, format: d.format }, (end - start) / 1000);
      }
    };
    const onVersion: OrchestratorEvents['stateVersion'] = (e) => this.stateVersions.inc({ reason: e.reason });
    const onContention: OrchestratorEvents['lockContention'] = () => this.lockContention.inc();
    orchestrator.on('status', onStatus);
    orchestrator.on('stateVersion', onVersion);
    orchestrator.on('lockContention', onContention);
    const onNotification: OrchestratorEvents['notification'] = (e) => this.notifications.inc({ outcome: e.outcome, event: e.event });
    orchestrator.on('notification', onNotification);
    const off = () => {
      orchestrator.off('notification', onNotification);
      orchestrator.off('status', onStatus);
      orchestrator.off('stateVersion', onVersion);
      orchestrator.off('lockContention', onContention);
    };
    this.detach.push(off);
    return off;
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  close(): void {
    for (const off of this.detach.splice(0)) off();
  }
}
