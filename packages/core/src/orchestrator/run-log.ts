import type { LogEntry, LogLevel } from '../types/domain.js';
import type { RunHost } from './host.js';
import { errorMessage, nowIso } from './util.js';

/**
 * A deployment's log: each line is redacted and emitted at once, and stored in batches (one append per
 * flush, in order), since a tool can print thousands of lines and a durable store syncs every append.
 */
export class DeploymentLog {
  private chain: Promise<void> = Promise.resolve();
  private pending: LogEntry[] = [];

  constructor(
    private readonly host: RunHost,
    private readonly deploymentId: string,
  ) {}

  /** Bytes of messages stored so far; past `maxLogBytes` one marker is written and the rest dropped. */
  private bytes = 0;
  private truncated = false;

  write(level: LogLevel, message: string, resource: string | null = null): void {
    if (this.truncated) return;
    const max = this.host.options.maxLogBytes;
    this.bytes += Buffer.byteLength(message);
    if (this.bytes > max) {
      // A 50k-line tool output made a 56 MB log that every page read re-read: the log stays bounded.
      this.truncated = true;
      level = 'warn';
      message = `Log truncated: this deployment's log reached ${max} bytes; further lines are not kept (ORCHESTRATOR_MAX_LOG_BYTES)`;
      resource = null;
    }
    const entry: LogEntry = { timestamp: nowIso(), level, message: this.host.redactor.redact(message), resource };
    this.pending.push(entry);
    if (this.pending.length === 1) this.chain = this.chain.then(() => this.flush());
    this.host.events.emit('log', { deploymentId: this.deploymentId, entry });
  }

  /** Resolves once every line written so far is stored (or its failure logged). */
  drained(): Promise<void> {
    return this.chain;
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    await this.host.store.appendLogs(this.deploymentId, batch).catch((e) =>
      this.host.logger('warn', 'could not store log lines', { deploymentId: this.deploymentId, lines: batch.length, error: errorMessage(e) }),
    );
  }
}
