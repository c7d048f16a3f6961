/**
 * One Redis connection shared by keyv (records) and the atomic commands (locks, state versions), set
 * up to fail fast: no offline queue, a connect timeout and a deadline per operation, so a caller never
 * waits on a Redis that is down, unreachable or paused.
 * @module
 */
import KeyvRedis from '@keyv/redis';
import { ErrorReply, createClient } from '@redis/client';
import { Keyv } from 'keyv';
import { OrchestratorError, StoreUnavailableError, ValidationError } from '@iac-orchestrator/core';
import { DEFAULTS } from './options.js';

/** The client type as created here (RESP2, no modules, default type mapping). */
export type RedisClient = ReturnType<typeof createBaseClient>;

function createBaseClient(url: string, connectTimeoutMs: number, reconnect: (retries: number) => number | false) {
  return createClient({
    url,
    // Commands issued while disconnected fail at once instead of waiting in a queue for a reconnect.
    disableOfflineQueue: true,
    socket: { connectTimeout: connectTimeoutMs, reconnectStrategy: reconnect },
  });
}

export interface ConnectionSettings {
  url: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** keyv namespace: record keys are `<namespace>::<key>`. */
  recordNamespace: string;
}

/** The handles a store operation works with. */
export interface Handles {
  /** Atomic commands and scripts. */
  redis: RedisClient;
  /** Records (JSON values) under the store's namespace. */
  records: Keyv;
}

/** Error replies that mean "Redis cannot serve now", as opposed to a bad command. */
const UNAVAILABLE_REPLIES = /^(LOADING|BUSY|MASTERDOWN|READONLY|OOM|CLUSTERDOWN|TRYAGAIN|NOREPLICAS)\b/;

/** `redis://host:port/db` without user or password, safe to put in messages. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    throw new ValidationError('url must be a redis:// or rediss:// URL', 'url');
  }
}

export class RedisConnection {
  private handles: Handles | null = null;
  private base: RedisClient | null = null;
  private connecting: Promise<Handles> | null = null;
  private closed = false;
  readonly where: string;

  constructor(private readonly settings: ConnectionSettings) {
    this.where = describeUrl(settings.url);
  }

  /** Connected handles; connects on first use (and again after a failed attempt). */
  async ready(): Promise<Handles> {
    if (this.closed) throw new StoreUnavailableError(`Redis state store at ${this.where} is closed`);
    // While the client reconnects in the background it stays open; its commands then fail at once.
    if (this.handles && this.base?.isOpen) return this.handles;
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /**
   * Runs `op` on connected handles, turning connection trouble into `StoreUnavailableError`. A Redis
   * that accepted the command but does not answer (paused, overloaded) is given `commandTimeoutMs`:
   * then the connection is dropped, so that the commands still waiting on it fail too, and the next
   * call connects afresh. (The client's own command timeout stops counting once a command is sent.)
   */
  async run<T>(op: (h: Handles) => Promise<T>): Promise<T> {
    const h = await this.ready();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.drop(h);
        reject(new StoreUnavailableError(`Redis state store at ${this.where} is unavailable: no reply within ${this.settings.commandTimeoutMs} ms`, { store: 'redis' }));
      }, this.settings.commandTimeoutMs);
    });
    try {
      return await Promise.race([op(h), deadline]);
    } catch (error) {
      throw this.translate(error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Forgets a connection that stopped answering; its pending commands fail. */
  private drop(h: Handles): void {
    if (this.handles !== h) return;
    const base = this.base;
    this.handles = null;
    this.base = null;
    if (base?.isOpen) base.destroy();
  }

  async close(): Promise<void> {
    this.closed = true;
    const base = this.base;
    this.handles = null;
    this.base = null;
    if (base?.isOpen) {
      // A graceful close waits for replies; a Redis that stopped answering must not hold up shutdown.
      await Promise.race([base.close().catch(() => undefined), delay(this.settings.commandTimeoutMs)]);
      if (base.isOpen) base.destroy();
    }
  }

  /** Maps an error from Redis or keyv: our typed errors pass through; anything about reaching Redis becomes 503-class. */
  translate(error: unknown): Error {
    if (error instanceof OrchestratorError) return error;
    if (error instanceof ErrorReply && !UNAVAILABLE_REPLIES.test(error.message)) return error;
    const reason = error instanceof Error ? error.message : String(error);
    return new StoreUnavailableError(`Redis state store at ${this.where} is unavailable: ${reason}`, { store: 'redis' }, { cause: error });
  }

  private async connect(): Promise<Handles> {
    let everReady = false;
    // The first connect fails at once (the caller hears about it); after that, reconnect in the background.
    const base = createBaseClient(this.settings.url, this.settings.connectTimeoutMs, (retries) =>
      everReady ? Math.min(100 * 2 ** retries, DEFAULTS.maxReconnectDelayMs) : false,
    );
    // Failures are reported by the commands that hit them; the event only needs a listener.
    base.on('error', () => undefined);
    base.on('ready', () => {
      everReady = true;
    });
    const connected = base.connect();
    try {
      await Promise.race([
        connected,
        delay(this.settings.connectTimeoutMs + 500).then(() => {
          throw new Error(`no connection within ${this.settings.connectTimeoutMs} ms`);
        }),
      ]);
    } catch (error) {
      // A connect that completes after we gave up must not leave a connection (and the process) running.
      connected.then(
        () => {
          if (base.isOpen) base.destroy();
        },
        () => undefined,
      );
      if (base.isOpen) base.destroy();
      throw this.translate(error);
    }
    if (this.closed) {
      base.destroy();
      throw new StoreUnavailableError(`Redis state store at ${this.where} is closed`);
    }
    const redis = base;
    const adapter = new ConnectionBoundKeyvRedis(redis, { throwOnErrors: true, throwOnConnectError: true });
    const records = new Keyv(adapter, { namespace: this.settings.recordNamespace, useKeyPrefix: false, throwOnErrors: true });
    records.on('error', () => undefined);
    this.base = base;
    this.handles = { redis, records };
    return this.handles;
  }
}

/**
 * keyv's Redis adapter, kept on our connection: the stock one reconnects a closed client on its own,
 * which would revive a connection this store dropped (and leak it). Here a closed client is an error.
 */
class ConnectionBoundKeyvRedis extends KeyvRedis<unknown> {
  override async getClient(): ReturnType<KeyvRedis<unknown>['getClient']> {
    if (!this.client.isOpen) throw new Error('the Redis connection was closed');
    return this.client as Awaited<ReturnType<KeyvRedis<unknown>['getClient']>>;
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
