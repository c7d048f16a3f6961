/**
 * The deployment records of the file store: one file per deployment, written whole (temp file + rename),
 * and changed only inside that deployment's cross-process mutex (`mutex/deployment-<hash>.lock`), so the
 * compare-and-set of {@link DeploymentFiles.replace} holds across processes on one machine: no other
 * writer can slip in between reading the stored revision and writing the new record.
 * @module
 */
import { createHash } from 'node:crypto';
import type { Deployment } from '../types/domain.js';
import { readJson, writeJsonAtomic } from './file-store-atomic.js';
import type { RecordCodec } from './file-store-codec.js';
import { KeyedQueue, withFileMutex } from './file-store-mutex.js';
import type { StorePaths } from './file-store-paths.js';
import { assertTransition, checkReplaceRevision } from './store-rules.js';

/** Checks the arguments of a compare-and-set (the rule every store applies). */
export const checkReplace = checkReplaceRevision;

export class DeploymentFiles {
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly paths: StorePaths,
    private readonly codec: RecordCodec,
  ) {}

  /** Runs `fn` as the only writer of the deployment, in this process and across processes. */
  private exclusive<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const h = createHash('sha256').update(id).digest('hex').slice(0, 32);
    return this.queue.run(h, () => withFileMutex(this.paths.mutex(`deployment-${h}`), fn));
  }

  private write(deployment: Deployment): Promise<void> {
    const { id, stackKey, blueprintId, environment, status, createdAt } = deployment;
    return writeJsonAtomic(this.paths.deployment(id), this.codec.encode(deployment, { id, stackKey, blueprintId, environment, status, createdAt }));
  }

  async get(id: string): Promise<Deployment | null> {
    const stored = await readJson<unknown>(this.paths.deployment(id));
    return stored === null ? null : this.codec.decode<Deployment>(stored);
  }

  /** Unconditional write; inside the mutex too, so that it never lands between a replace's read and write. */
  put(deployment: Deployment): Promise<void> {
    return this.exclusive(deployment.id, () => this.write(deployment));
  }

  /** Writes `deployment` only if the stored record is at `expectedRevision` (a missing `revision` counts as 0). */
  replace(deployment: Deployment, expectedRevision: number): Promise<boolean> {
    return this.exclusive(deployment.id, async () => {
      const stored = await this.get(deployment.id);
      if (stored === null || (stored.revision ?? 0) !== expectedRevision) return false;
      assertTransition(stored, deployment);
      await this.write(deployment);
      return true;
    });
  }
}
