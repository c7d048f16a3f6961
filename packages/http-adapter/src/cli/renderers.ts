import cliSpinners from 'cli-spinners';
import { createLogUpdate } from 'log-update';
import picocolors from 'picocolors';
import type { Colors } from 'picocolors/types';
import type { DeploymentStatus, LogEntry } from '@iac-orchestrator/core';
import type { DeploymentView } from '../api-contract.js';
import { formatElapsed, type ResourceProgress } from '../client/run-progress.js';
import { formatOutputs, formatPlan, paintStatus } from './format.js';

/** How a followed run is shown: live lines on a terminal, appended lines otherwise, or JSON lines. */
export interface RunRenderer {
  started(id: string, what: string): void;
  status(status: DeploymentStatus): void;
  plan(d: DeploymentView): void;
  resource(r: ResourceProgress): void;
  log(entry: LogEntry): void;
  message(text: string): void;
  /** Stops redrawing while a question is asked on the terminal. */
  pause(): void;
  resume(): void;
  end(d: DeploymentView, elapsedMs: number): void;
}

const PHASE: Partial<Record<DeploymentStatus, string>> = {
  pending: 'Queued',
  planning: 'Planning',
  awaiting_approval: 'Waiting for approval',
  applying: 'Applying',
};

const IN_PROGRESS = new Set(['creating', 'updating', 'deleting']);
const DONE_MARK = (r: ResourceProgress, c: Colors) => (r.status === 'failed' ? c.red('✗') : c.green('✓'));
const endLine = (d: DeploymentView, ms: number, c: Colors) =>
  d.status === 'completed' || d.status === 'planned'
    ? c.green(`✓ ${d.status} in ${formatElapsed(ms)}`)
    : `${c.red('✗')} ${paintStatus(d.status, c)} after ${formatElapsed(ms)}${d.error ? `: ${d.error}` : ''}`;

/**
 * A terminal: phase headers and the plan are printed once, above a block of one line per resource whose
 * status changes in place (a spinner while it runs, ✓/✗ and its time once done). log-update does the
 * cursor movement and cli-spinners the frames.
 */
export class TtyRenderer implements RunRenderer {
  private readonly c = picocolors.createColors(true);
  private readonly live;
  private readonly resources = new Map<string, ResourceProgress & { localStart: number }>();
  private readonly spinner = cliSpinners.dots;
  private frame = 0;
  private timer: NodeJS.Timeout | null = null;
  private phase: DeploymentStatus | null = null;
  private readonly startedAt = Date.now();

  constructor(private readonly out: NodeJS.WriteStream) {
    this.live = createLogUpdate(out, { showCursor: false });
    this.timer = setInterval(() => {
      this.frame = (this.frame + 1) % this.spinner.frames.length;
      this.render();
    }, this.spinner.interval);
    this.timer.unref();
  }

  private print(lines: string[]): void {
    this.live.clear();
    this.out.write(`${lines.join('\n')}\n`);
    this.render();
  }

  private render(): void {
    const c = this.c;
    const lines = [...this.resources.values()].map((r) => {
      const running = IN_PROGRESS.has(r.status);
      const mark = running ? c.cyan(this.spinner.frames[this.frame]) : DONE_MARK(r, c);
      const ms = running ? Date.now() - r.localStart : (r.endedAt ?? r.startedAt) - r.startedAt;
      return `${mark} ${r.id}  ${running ? r.status : r.status === 'failed' ? c.red(r.status) : c.green(r.status)}  ${c.dim(formatElapsed(ms))}`;
    });
    if (this.phase && PHASE[this.phase]) lines.push(c.dim(`${this.spinner.frames[this.frame]} ${PHASE[this.phase]}… ${formatElapsed(Date.now() - this.startedAt)}`));
    this.live(lines.join('\n'));
  }

  started(id: string, what: string): void {
    this.print([`${this.c.bold('Deployment')} ${id}  ${this.c.dim(what)}`]);
  }
  status(status: DeploymentStatus): void {
    this.phase = status;
    if (PHASE[status]) this.print([this.c.bold(this.c.blue(`── ${PHASE[status]} ──`))]);
  }
  plan(d: DeploymentView): void {
    this.print(formatPlan(d, this.c));
  }
  resource(r: ResourceProgress): void {
    const prev = this.resources.get(r.id);
    this.resources.set(r.id, { ...r, localStart: prev && IN_PROGRESS.has(prev.status) ? prev.localStart : Date.now() });
    this.render();
  }
  log(entry: LogEntry): void {
    if (entry.level === 'error' && !entry.resource) this.print([this.c.red(entry.message)]);
  }
  message(text: string): void {
    this.print([text]);
  }
  pause(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.live.done();
  }
  resume(): void {
    this.timer ??= setInterval(() => {
      this.frame = (this.frame + 1) % this.spinner.frames.length;
      this.render();
    }, this.spinner.interval);
    this.timer.unref();
  }
  end(d: DeploymentView, elapsedMs: number): void {
    this.phase = null;
    if (this.timer) clearInterval(this.timer);
    this.render();
    this.live.done();
    this.out.write(`${[endLine(d, elapsedMs, this.c), ...formatOutputs(d.outputs)].join('\n')}\n`);
  }
}

/** Not a terminal: the same story, append-only and without colours (logs, CI). */
export class PlainRenderer implements RunRenderer {
  private readonly c = picocolors.createColors(false);
  constructor(private readonly out: NodeJS.WritableStream) {}
  private line(s: string): void {
    this.out.write(`${s}\n`);
  }
  started(id: string, what: string): void {
    this.line(`Deployment ${id}  ${what}`);
  }
  status(status: DeploymentStatus): void {
    this.line(PHASE[status] ? `== ${PHASE[status]} ==` : `status: ${status}`);
  }
  plan(d: DeploymentView): void {
    for (const l of formatPlan(d, this.c)) this.line(l);
  }
  resource(r: ResourceProgress): void {
    if (IN_PROGRESS.has(r.status)) this.line(`… ${r.id} ${r.status}`);
    else this.line(`${r.status === 'failed' ? '✗' : '✓'} ${r.id} ${r.status} (${formatElapsed((r.endedAt ?? r.startedAt) - r.startedAt)})`);
  }
  log(entry: LogEntry): void {
    if (entry.level === 'error' && !entry.resource) this.line(`error: ${entry.message}`);
  }
  message(text: string): void {
    this.line(text);
  }
  pause(): void {}
  resume(): void {}
  end(d: DeploymentView, elapsedMs: number): void {
    this.line(endLine(d, elapsedMs, this.c));
    for (const l of formatOutputs(d.outputs)) this.line(l);
  }
}

/** `--json`: one JSON object per line and per event, for machines. */
export class JsonRenderer implements RunRenderer {
  constructor(private readonly out: NodeJS.WritableStream) {}
  private emit(o: Record<string, unknown>): void {
    this.out.write(`${JSON.stringify(o)}\n`);
  }
  started(id: string): void {
    this.emit({ event: 'started', deploymentId: id });
  }
  status(status: DeploymentStatus): void {
    this.emit({ event: 'status', status });
  }
  plan(d: DeploymentView): void {
    this.emit({ event: 'plan', plan: d.plan });
  }
  resource(r: ResourceProgress): void {
    this.emit({ event: 'resource', id: r.id, status: r.status, ...(r.endedAt !== null ? { elapsedMs: r.endedAt - r.startedAt } : {}) });
  }
  log(entry: LogEntry): void {
    this.emit({ event: 'log', ...entry });
  }
  message(text: string): void {
    this.emit({ event: 'message', message: text });
  }
  pause(): void {}
  resume(): void {}
  end(d: DeploymentView, elapsedMs: number): void {
    this.emit({ event: 'end', deploymentId: d.id, status: d.status, error: d.error, outputs: d.outputs, elapsedMs });
  }
}
