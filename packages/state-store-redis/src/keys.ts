/**
 * Every Redis key the store uses, in one place, laid out for Redis Cluster: the keys one script or one
 * multi-key command touches share a hash tag (`{…}`), so they live in one slot.
 *
 * - `{deployments}`: deployment records, their plain index headers and every listing index (all, per
 *   blueprint, environment, stack, status, the active set and the retention queue). One slot, so that a
 *   record and its index entries change in one script and a page is one `MGET`.
 * - `{s:<hash of stack key>}`: a stack's lock, fencing counter, state versions and raw state. The stack
 *   key is hashed into the tag, so no character in it can end the tag early.
 * - `{audit}`: the audit sequence, entries and indexes.
 * - `{d:<hash of deployment id>}`: a deployment's log list (single-key commands only).
 * - bundles and plans: keyv records, one key each (single-key commands only).
 *
 * The kind of a key comes right after its tag, before any caller-given value, so two kinds never collide.
 * @module
 */
import { createHash } from 'node:crypto';

const tagOf = (value: string) => createHash('sha1').update(value).digest('hex').slice(0, 20);

export class Keys {
  /** keyv namespace of bundle and plan records. */
  readonly recordNamespace: string;
  private readonly d: string;
  private readonly a: string;

  constructor(private readonly prefix: string) {
    this.recordNamespace = `${prefix}rec`;
    this.d = `${prefix}{deployments}:`;
    this.a = `${prefix}{audit}:`;
  }

  /** Full Redis key of a keyv record (keyv joins namespace and key with `::`). */
  recordRedisKey(recordKey: string): string {
    return `${this.recordNamespace}::${recordKey}`;
  }

  // keyv records (keys relative to the namespace).
  bundle = (digest: string) => `bundle:${digest}`;
  plan = (deploymentId: string) => `plan:${deploymentId}`;

  // Deployments: records, headers and indexes, one slot.
  deployment = (id: string) => `${this.d}rec:${id}`;
  /** Hash: id → plain header (index member and filter values), so a pruner knows every index entry to drop. */
  deploymentHeaders = () => `${this.d}headers`;
  deploymentsAll = () => `${this.d}all`;
  deploymentsActive = () => `${this.d}active`;
  /** Sorted set: id → the time (ms) a terminal deployment falls out of retention. */
  deploymentsExpiry = () => `${this.d}expiry`;
  deploymentsByBlueprint = (blueprintId: string) => `${this.d}by-blueprint:${blueprintId}`;
  deploymentsByEnvironment = (environment: string) => `${this.d}by-environment:${environment}`;
  /** The spec's usual query (blueprint and environment together), exact rather than filtered. */
  deploymentsByBlueprintEnvironment = (blueprintId: string, environment: string) => `${this.d}by-blueprint-environment:${JSON.stringify([blueprintId, environment])}`;
  deploymentsByStack = (stackKey: string) => `${this.d}by-stack:${stackKey}`;
  deploymentsByStatus = (status: string) => `${this.d}by-status:${status}`;

  /** Append-only list of a deployment's log entries. */
  logs = (deploymentId: string) => `${this.prefix}{d:${tagOf(deploymentId)}}:logs:${deploymentId}`;

  // Audit: a sequence, entries in a hash, indexes of sequence numbers; one slot.
  auditSeq = () => `${this.a}seq`;
  auditRecords = () => `${this.a}records`;
  auditAll = () => `${this.a}all`;
  /** Sorted set: sequence number → write time (ms), read oldest first by the retention trim. */
  auditTimes = () => `${this.a}times`;
  /** Sequence numbers at or below this are past retention. */
  auditFloor = () => `${this.a}floor`;
  auditByStack = (stackKey: string) => `${this.a}by-stack:${stackKey}`;
  auditByDeployment = (deploymentId: string) => `${this.a}by-deployment:${deploymentId}`;

  // A stack: lock, fence and state versions, one slot.
  private s = (stackKey: string) => `${this.prefix}{s:${tagOf(stackKey)}}:`;
  lock = (stackKey: string) => `${this.s(stackKey)}lock:${stackKey}`;
  fence = (stackKey: string) => `${this.s(stackKey)}fence:${stackKey}`;
  stateCurrent = (stackKey: string) => `${this.s(stackKey)}state-current:${stackKey}`;
  /** Hash: version → metadata JSON (everything but `raw`). */
  stateVersions = (stackKey: string) => `${this.s(stackKey)}state-versions:${stackKey}`;
  /** Hash: version → raw state, while the version is retained. */
  stateRaw = (stackKey: string) => `${this.s(stackKey)}state-raw:${stackKey}`;
  /** Versions at or below this number are past retention. */
  stateFloor = (stackKey: string) => `${this.s(stackKey)}state-floor:${stackKey}`;
}
