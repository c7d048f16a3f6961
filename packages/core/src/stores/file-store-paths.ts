/**
 * Where each record of the file store lives under its data directory (see the layout in file-store.ts).
 * @module
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { stackHash } from '../stack.js';

/** Ids made of this alphabet are used as file names directly; anything else is hashed. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,119}$/;

/**
 * A file-name-safe key for an id. Readable ids stay readable; others (slashes, odd characters, very
 * long) become `~` + sha256, a prefix no readable id can have, so the two forms never collide.
 */
export function fileKey(id: string): string {
  if (SAFE_NAME.test(id) && !id.endsWith('.tmp')) return id;
  return `~${createHash('sha256').update(id).digest('hex')}`;
}

/** Zero-padded so that a plain sort of the directory listing is numeric order. */
export const versionFileName = (version: number) => `${String(version).padStart(10, '0')}.json`;

export const versionOfFileName = (name: string): number | null => {
  const m = /^(\d{10})\.json$/.exec(name);
  return m ? Number(m[1]) : null;
};

export class StorePaths {
  constructor(readonly root: string) {}

  get formatFile() {
    return join(this.root, 'format.json');
  }
  get deploymentsDir() {
    return join(this.root, 'deployments');
  }
  get logsDir() {
    return join(this.root, 'logs');
  }
  get bundlesDir() {
    return join(this.root, 'bundles');
  }
  get plansDir() {
    return join(this.root, 'plans');
  }
  get stacksDir() {
    return join(this.root, 'stacks');
  }
  get mutexDir() {
    return join(this.root, 'mutex');
  }
  get auditFile() {
    return join(this.root, 'audit.ndjson');
  }

  /** Every directory the store creates at `init`. */
  get dirs(): string[] {
    return [this.root, this.deploymentsDir, this.logsDir, this.bundlesDir, this.plansDir, this.stacksDir, this.mutexDir];
  }

  deployment(id: string) {
    return join(this.deploymentsDir, `${fileKey(id)}.json`);
  }
  log(deploymentId: string) {
    return join(this.logsDir, `${fileKey(deploymentId)}.ndjson`);
  }
  /** The byte offsets of a log's lines (see file-store-log-index.ts). */
  logIndex(deploymentId: string) {
    return join(this.logsDir, `${fileKey(deploymentId)}.idx`);
  }
  bundle(digest: string) {
    return join(this.bundlesDir, `${fileKey(digest)}.json`);
  }
  plan(deploymentId: string) {
    return join(this.plansDir, `${fileKey(deploymentId)}.json`);
  }
  stackDir(stackKey: string) {
    return join(this.stacksDir, stackHash(stackKey));
  }
  lockFile(stackKey: string) {
    return join(this.stackDir(stackKey), 'lock.json');
  }
  versionsDir(stackKey: string) {
    return join(this.stackDir(stackKey), 'versions');
  }
  version(stackKey: string, version: number) {
    return join(this.versionsDir(stackKey), versionFileName(version));
  }
  /** The short-lived cross-process mutex guarding a named critical section. */
  mutex(name: string) {
    return join(this.mutexDir, `${name}.lock`);
  }
}
