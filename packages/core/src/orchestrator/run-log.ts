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

  write(level: LogLevel, message: string, resource: string | null = null): void {
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
