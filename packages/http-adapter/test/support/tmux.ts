import { execa } from 'execa';
import { findCommand } from '../../../../test-support/prerequisites.js';

export const tmuxAvailable = () => findCommand('tmux') !== null;

/**
 * A real pseudo-terminal: a tmux session on its own socket running one command (argv, executed directly
 * by tmux, no shell), whose screen is read with capture-pane and typed into with send-keys.
 */
export class TmuxTerminal {
  private readonly socket = `iac-cli-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private readonly session = 'cli';

  private tmux(args: string[], env?: Record<string, string>) {
    return execa('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], env ? { env, extendEnv: false } : {});
  }

  /** Starts `argv` in a 120×40 terminal; the pane stays after it exits so its status can be read. */
  async start(argv: string[], env: Record<string, string>, cwd: string): Promise<void> {
    await this.tmux(['new-session', '-d', '-s', this.session, '-x', '120', '-y', '40', '-c', cwd, ...argv, ';', 'set-option', '-t', this.session, 'remain-on-exit', 'on'], { ...env, TERM: 'xterm-256color' });
  }

  /** The visible screen as text (no escape sequences). */
  async screen(): Promise<string> {
    return (await this.tmux(['capture-pane', '-p', '-t', this.session])).stdout;
  }

  /** Polls the screen until `re` matches; returns that screen. */
  async waitFor(re: RegExp, timeoutMs = 90_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = await this.screen();
      if (re.test(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`screen never matched ${re}:\n${last}`);
  }

  async type(text: string): Promise<void> {
    await this.tmux(['send-keys', '-t', this.session, '-l', text]);
    await this.tmux(['send-keys', '-t', this.session, 'Enter']);
  }

  /** The command's exit status once it has ended (null while it runs). */
  async exitStatus(): Promise<number | null> {
    const r = await this.tmux(['display-message', '-p', '-t', this.session, '#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}']);
    const [dead, status, signal] = r.stdout.trim().split(':');
    // tmux marks the pane dead when the terminal closes and learns the status when the process is reaped,
    // a moment later: until then both are empty, so read again.
    if (dead !== '1' || (!status && !signal)) return null;
    if (!status) throw new Error(`the command was killed by signal ${signal}:\n${await this.screen()}`);
    return Number(status);
  }

  async waitForExit(timeoutMs = 90_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const s = await this.exitStatus();
      if (s !== null) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the command did not exit:\n${await this.screen()}`);
  }

  async close(): Promise<void> {
    await this.tmux(['kill-server']).catch(() => undefined);
  }
}
