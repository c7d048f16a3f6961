/** Options of {@link SqliteStateStore}. */
export interface SqliteStateStoreOptions {
  /** Directory holding the database file (created if missing, mode 0700): `ORCHESTRATOR_DATA_DIR` in the service. */
  dataDir: string;
  /** `STATE_ENCRYPTION_KEY`: 32 bytes base64, 64 hex characters, or a passphrase. Unset: no encryption. */
  encryptionKey?: string;
  /**
   * How long a write waits for another process's transaction to finish before it fails with
   * `StoreUnavailableError` (SQLite's busy_timeout). Default 10 000 ms.
   */
  busyTimeoutMs?: number;
  /**
   * `RETENTION_DAYS`: terminal deployments (with their logs and plans) created, and audit entries written,
   * longer ago than this are removed. Unset: kept for ever.
   */
  retentionDays?: number;
  /** Told when a retention pass (run after writes, off their path) fails; default: a process warning. */
  onPruneError?: (error: Error) => void;
}

/** The database file inside `dataDir`. */
export const DATABASE_FILE = 'orchestrator.sqlite';

export const DEFAULTS = {
  busyTimeoutMs: 10_000,
  /** Writes prune what fell out of retention at most this often. */
  pruneEveryMs: 60_000,
} as const;
