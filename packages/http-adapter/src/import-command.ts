/**
 * `iac-orchestrator import-file-store <dir>`: moves a file-store data directory into the SQLite store at
 * `ORCHESTRATOR_DATA_DIR` (which may be the same directory), with `STATE_ENCRYPTION_KEY` as the key of both.
 * @module
 */
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './config.js';
import { loadSqliteStore } from './store-factory.js';

export const IMPORT_USAGE = `Usage: iac-orchestrator import-file-store <file-store-dir>

Copies every deployment, log, bundle, plan, state version, lock and audit entry of a file-store data
directory into the SQLite store at ORCHESTRATOR_DATA_DIR (which must be empty; it may be the same
directory). STATE_ENCRYPTION_KEY opens the file store and seals the SQLite store. Stop the service first.`;

/** Runs the import; returns the exit code (0 done, 1 failed, 2 bad usage or configuration). */
export async function importFileStoreCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const [from, ...rest] = args;
  if (!from || from.startsWith('-') || rest.length > 0) {
    process.stderr.write(`${IMPORT_USAGE}\n`);
    return 2;
  }
  let dataDir: string;
  let encryptionKey: string | undefined;
  try {
    const config = loadConfig(env);
    if (config.store.kind === 'redis') throw new ConfigError('import-file-store moves a file store into the SQLite store: unset REDIS_URL');
    ({ dataDir, encryptionKey } = config.store);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`iac-orchestrator: ${e.message}\n`);
    return 2;
  }
  const sqlite = await loadSqliteStore();
  const store = new sqlite.SqliteStateStore({ dataDir, encryptionKey });
  try {
    const report = await sqlite.importFileStore(store, { from: resolve(from), encryptionKey });
    process.stdout.write(`${JSON.stringify({ imported: report, from: resolve(from), into: dataDir })}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`iac-orchestrator: import failed, nothing was imported: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await store.close?.();
  }
}
