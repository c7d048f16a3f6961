import { chmod, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Deployment, Resource } from '../types/domain.js';
import type { Executor, ExecutorContext, ExecutorEvent, StateSnapshot } from '../types/executor.js';
import { defaultCredentialEnv, regionEnv, stateIdOf } from '../stack.js';
import { NotFoundError } from '../errors.js';
import type { RunHost } from './host.js';
import { stackRefOf } from './records.js';
import { loadSealedSecrets } from './secret-variables.js';
import { NOTIFY_URLS_KEY } from '../notifications/sealed-urls.js';
import { intermediateStateWriter, type RunStateHandle } from './state-stream.js';

/** The deterministic private work dir of a deployment (recovery finds a dead run's dir by it). */
export function workDirOf(host: RunHost, executor: Executor, deploymentId: string): string {
  return join(executor.workRoot ?? host.options.workDir, deploymentId);
}

export async function makeWorkDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
}

export async function removeWorkDir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true }).catch(() => undefined);
}

/** Builds what one executor call gets: the bundle, the prior raw state, the cloud's credentials only. */
export async function buildExecutorContext(
  host: RunHost,
  executor: Executor,
  d: Deployment,
  baseVersion: number,
  signal: AbortSignal,
  emit: (e: ExecutorEvent) => void,
  run?: RunStateHandle,
): Promise<ExecutorContext> {
  const bundle = await host.store.getBundle(d.bundleDigest);
  if (!bundle) throw new NotFoundError(`The code of deployment ${d.id} (${d.bundleDigest}) is no longer stored`);
  const prior = baseVersion > 0 ? await host.store.getStateVersion(d.stackKey, baseVersion) : null;
  if (baseVersion > 0 && (!prior || prior.raw === null)) {
    throw new NotFoundError(`State version ${baseVersion} of this stack has no raw state (past retention)`);
  }
  const creds = host.options.credentials;
  // A group target's region goes over the configured one (see regionEnv for what each cloud gets).
  const env = { ...(executor.credentialEnv?.(d.targetCloud, filterDefined(creds)) ?? defaultCredentialEnv(d.targetCloud, creds)), ...regionEnv(d.targetCloud, d.region) };
  // The run's masking scope also hides the deployment's notification URLs (credentials), never passed on.
  const { [NOTIFY_URLS_KEY]: notifyUrls, ...secrets } = await loadSealedSecrets(host.store, d.id);
  for (const v of Object.values(secrets)) host.redactor.add(typeof v === 'string' ? v : JSON.stringify(v));
  for (const u of Array.isArray(notifyUrls) ? notifyUrls : []) if (typeof u === 'string') host.redactor.add(u);
  const variables = { ...d.options.variables, ...secrets };
  const workDir = workDirOf(host, executor, d.id);
  await makeWorkDir(workDir);
  return {
    deploymentId: d.id,
    stack: stackRefOf(d),
    stackKey: d.stackKey,
    operation: d.operation,
    workDir,
    bundle,
    priorState: prior?.raw ?? null,
    variables,
    env,
    parallelism: d.options.parallelism,
    options: d.options.executor,
    signal,
    emit,
    secret: (v) => host.redactor.add(v),
    sandbox: await host.sandbox(),
    ...(run ? { persistState: intermediateStateWriter(host, d, run) } : {}),
  };
}

function filterDefined(r: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) if (v !== undefined) out[k] = v;
  return out;
}

/** The state-version body of a snapshot, with every string redacted except the raw state (stored as is,
 * sealed at rest when the store encrypts). */
export function versionBody(host: RunHost, d: Deployment, snap: StateSnapshot) {
  return {
    stackKey: d.stackKey,
    stateId: stateIdOf(d.stackKey),
    deploymentId: d.id,
    bundleDigest: d.bundleDigest,
    resources: host.redactor.redactValue(snap.resources),
    outputs: host.redactor.redactValue(snap.outputs),
    raw: snap.raw,
  };
}

/** Final resources of a deployment: the state's, plus those the run saw deleted (gone from the state). */
export function finalResources(snapshotResources: Resource[], progress: Map<string, Resource>): Resource[] {
  const ids = new Set(snapshotResources.map((r) => r.id));
  const gone = [...progress.values()].filter((r) => !ids.has(r.id) && r.status === 'deleted');
  return [...snapshotResources, ...gone];
}
