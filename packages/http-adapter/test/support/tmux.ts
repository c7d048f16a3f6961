import { execa } from 'execa';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCommand } from '../../../../test-support/prerequisites.js';

export const tmuxAvailable = () => findCommand('tmux') !== null;

/**
 * A real pseudo-terminal: a tmux session on its own socket running one command (argv, executed directly
 * by tmux, no shell), whose screen is read with capture-pane and typed into with send-keys.
 */
export class TmuxTerminal {
  private readonly socket = `iac-cli-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private readonly session = 'cli';
  private readonly exitFile = join(tmpdir(), `${this.socket}.exit`);

  private tmux(args: string[], env?: Record<string, string>) {
    return execa('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], env ? { env, extendEnv: false } : {});
  }

  /** Starts `argv` in a 120×40 terminal; the pane stays after it exits so its status can be read. */
  async start(argv: string[], env: Record<string, string>, cwd: string): Promise<void> {
    const recorder = fileURLToPath(new URL('./exit-recorder.mjs', import.meta.url));
    env = { ...env, EXIT_FILE: this.exitFile };
    await this.tmux(['new-session', '-d', '-s', this.session, '-x', '120', '-y', '40', '-c', cwd, 'node', recorder, ...argv, ';', 'set-option', '-t', this.session, 'remain-on-exit', 'on'], { ...env, TERM: 'xterm-256color' });
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
    return existsSync(this.exitFile) ? Number(readFileSync(this.exitFile, 'utf8')) : null;
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
    rmSync(this.exitFile, { force: true });
  }
}
