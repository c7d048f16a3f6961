import { TimeoutError } from '../errors.js';

/** setTimeout fires at once past this (about 24.8 days): longer budgets are capped to it. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A deployment's time budget (`MAX_DEPLOYMENT_TIMEOUT_MS`, or less when the request asks): armed while the
 * run plans and applies, disarmed while a plan waits for approval.
 */
export class RunTimeout {
  private timer: NodeJS.Timeout | null = null;
  readonly ms: number;

  constructor(ms: number, private readonly onTimeout: (err: TimeoutError) => void) {
    this.ms = Math.min(ms, MAX_TIMER_MS);
  }

  get message(): string {
    return `Deployment timed out after ${this.ms} ms`;
  }

  arm(): void {
    this.disarm();
    this.timer = setTimeout(() => this.onTimeout(new TimeoutError(this.message)), this.ms);
    this.timer.unref();
  }

  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
