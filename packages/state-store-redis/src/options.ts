/** Options of {@link RedisStateStore}. */
export interface RedisStateStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` for TLS (the service's `REDIS_URL`). */
  url: string;
  /** Prepended to every key, so several installations (or tests) can share one Redis. Default `iac:`. */
  prefix?: string;
  /** `STATE_ENCRYPTION_KEY`: when set, every record, log line and state version is sealed with AES-256-GCM. */
  encryptionKey?: string;
  /** How long connecting may take before the store reports itself unavailable. Default 2000 ms. */
  connectTimeoutMs?: number;
  /** How long one store operation may wait for Redis to answer (a hung or paused server) before it fails
   * with `StoreUnavailableError` and the connection is re-made. Default 5000 ms. */
  commandTimeoutMs?: number;
  /**
   * `RETENTION_DAYS`: how long terminal deployments (with their logs and plans) and audit entries are kept.
   * Unset: kept for ever. Active deployments, state versions and locks are never expired.
   */
  retentionDays?: number;
}

/** Defaults of the optional settings, in one place. */
export const DEFAULTS = {
  prefix: 'iac:',
  connectTimeoutMs: 2000,
  commandTimeoutMs: 5000,
  /** Background reconnects back off up to this; commands meanwhile fail fast (no offline queue). */
  maxReconnectDelayMs: 2000,
  /** Expired deployments / audit entries removed per pass, so one pass never blocks Redis for long. */
  pruneBatch: 200,
  /** A store prunes expired deployments at most this often (it piggybacks on writes). */
  pruneEveryMs: 60_000,
} as const;
