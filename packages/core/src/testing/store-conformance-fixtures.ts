import { randomUUID } from 'node:crypto';
import type { AuditEntry, Deployment, DeploymentStatus, LogEntry, StateVersion } from '@iac-orchestrator/core';
import type { StateStore, WriteStateVersionRequest } from '@iac-orchestrator/core';

/** What the conformance suite's factory returns: a fresh, empty store and how to dispose of it. */
export interface StoreUnderTest {
  store: StateStore;
  cleanup?: () => Promise<void>;
}

/** Registers one test, in the shape of vitest's or node:test's `it`. */
export type ConformanceIt = (name: string, fn: () => Promise<void>) => void;
export type StoreFactory = () => Promise<StoreUnderTest>;

/** Runs `fn` against a fresh store from `factory`, initialised and always cleaned up. */
export async function withStore(factory: StoreFactory, fn: (store: StateStore) => Promise<void>): Promise<void> {
  const { store, cleanup } = await factory();
  try {
    await store.init?.();
    await fn(store);
  } finally {
    await store.close?.();
    await cleanup?.();
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A name unique to this run, so that stores sharing a backend (one Redis) never see each other's data. */
export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export function makeDeployment(overrides: Partial<Deployment> & { id: string }): Deployment {
  const blueprintId = overrides.blueprintId ?? 'bp';
  const environment = overrides.environment ?? 'dev';
  const createdAt = overrides.createdAt ?? new Date().toISOString();
  return {
    stackKey: `${blueprintId}/${environment}/aws/terraform`,
    blueprintId,
    generationJobId: null,
    environment,
    targetCloud: 'aws',
    format: 'terraform',
    operation: 'apply',
    status: 'pending' as DeploymentStatus,
    options: { autoApprove: false, dryRun: false, parallelism: 10, variables: { region: 'eu-west-1' }, sensitiveVariables: [], executor: {} },
    bundleDigest: 'sha256:abc',
    requestedBy: 'alice',
    baseVersion: null,
    stateVersion: null,
    plan: null,
    drift: null,
    resources: [],
    outputs: {},
    error: null,
    rollbackOf: null,
    targetVersion: null,
    reason: null,
    rolledBackBy: null,
    approval: null,
    cancelRequestedAt: null,
    lock: null,
    owner: null,
    revision: 0,
    updatedAt: createdAt,
    startedAt: null,
    completedAt: null,
    ...overrides,
    createdAt,
  };
}

/** An ISO timestamp `i` seconds after a fixed instant, for deterministic ordering. */
export const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();

export function logEntry(message: string): LogEntry {
  return { timestamp: new Date().toISOString(), level: 'info', message, resource: null };
}

export function auditEntry(action: string, stackKey: string | null, deploymentId: string | null): AuditEntry {
  return { at: new Date().toISOString(), who: 'alice', action, stackKey, deploymentId, detail: { n: action } };
}

export function versionPayload(stackKey: string, n: number): Omit<StateVersion, 'version' | 'retained' | 'createdAt'> {
  return {
    stackKey,
    stateId: `state-${stackKey}`,
    deploymentId: `dep-${n}`,
    bundleDigest: `sha256:${n}`,
    resources: [{ id: `aws_s3_bucket.b${n}`, type: 'aws_s3_bucket', name: `b${n}`, status: 'created', attributes: { n }, dependencies: [] }],
    outputs: { n },
    raw: { serial: n, resources: [`b${n}`] },
    reason: 'applied',
  };
}

export function writeRequest(
  stackKey: string,
  lock: { lockId: string; token: number },
  expectedVersion: number,
  n = expectedVersion + 1,
  retention = 10,
): WriteStateVersionRequest {
  return { stackKey, expectedVersion, lockId: lock.lockId, token: lock.token, retention, version: versionPayload(stackKey, n) };
}

/** True when `e` is a store error with `code` (checked by code, so a copy of core in another bundle still matches). */
export const hasCode = (code: string) => (e: unknown) => !!e && typeof e === 'object' && (e as { code?: unknown }).code === code;
