/**
 * Every Redis key the store uses, in one place. The kind of a key comes right after the prefix, before
 * any caller-given value (stack key, id), so two kinds can never produce the same key.
 * @module
 */

/** keyv joins its namespace and a record key with this (its default). */
const KEYV_SEPARATOR = '::';

export class Keys {
  /** keyv namespace of the records (deployments, bundles, plans, audit entries, raw state bodies). */
  readonly recordNamespace: string;

  constructor(private readonly prefix: string) {
    this.recordNamespace = `${prefix}rec`;
  }

  /** Full Redis key of a keyv record, for the scripts that delete records (retention trim). */
  recordRedisKey(recordKey: string): string {
    return `${this.recordNamespace}${KEYV_SEPARATOR}${recordKey}`;
  }

  // Records, through keyv (keys relative to the namespace).
  deployment = (id: string) => `deployment:${id}`;
  bundle = (digest: string) => `bundle:${digest}`;
  plan = (deploymentId: string) => `plan:${deploymentId}`;
  audit = (seq: number) => `audit:${seq}`;
  stateRaw = (stackKey: string, version: number, writeId: string) => `state-raw:${version}:${writeId}:${stackKey}`;

  // Deployment indexes: sorted sets of `createdAt \0 id`, all scores 0, read by lex range.
  deploymentsAll = () => `${this.prefix}deployments-all`;
  deploymentsByBlueprint = (blueprintId: string) => `${this.prefix}deployments-by-blueprint:${blueprintId}`;
  deploymentsByEnvironment = (environment: string) => `${this.prefix}deployments-by-environment:${environment}`;
  deploymentsByStack = (stackKey: string) => `${this.prefix}deployments-by-stack:${stackKey}`;
  deploymentsByStatus = (status: string) => `${this.prefix}deployments-by-status:${status}`;

  /** Append-only list of a deployment's log entries. */
  logs = (deploymentId: string) => `${this.prefix}logs:${deploymentId}`;

  // Audit: a sequence and lists of sequence numbers, newest at the head.
  auditSeq = () => `${this.prefix}audit-seq`;
  auditAll = () => `${this.prefix}audit-all`;
  auditByStack = (stackKey: string) => `${this.prefix}audit-by-stack:${stackKey}`;
  auditByDeployment = (deploymentId: string) => `${this.prefix}audit-by-deployment:${deploymentId}`;

  // Locks: the lock record (with its lease as the key's TTL) and the stack's fencing counter.
  lock = (stackKey: string) => `${this.prefix}lock:${stackKey}`;
  fence = (stackKey: string) => `${this.prefix}fence:${stackKey}`;

  // State versions of a stack.
  stateCurrent = (stackKey: string) => `${this.prefix}state-current:${stackKey}`;
  /** Hash: version → metadata JSON (everything but `raw`). */
  stateVersions = (stackKey: string) => `${this.prefix}state-versions:${stackKey}`;
  /** Hash: version → Redis key of its raw state record, while the version is retained. */
  stateRawRefs = (stackKey: string) => `${this.prefix}state-raw-refs:${stackKey}`;
  /** Versions at or below this number are past retention. */
  stateFloor = (stackKey: string) => `${this.prefix}state-floor:${stackKey}`;
}
