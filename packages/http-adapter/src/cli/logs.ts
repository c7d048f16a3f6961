import type { Command } from 'commander';
import type { LogEntry } from '@iac-orchestrator/core';
import type { Action, CommandOptions } from './client-cli.js';
import { clientOf, EXIT, exitCodeOf } from './connection.js';

interface Deps {
  io: { stdout: NodeJS.WriteStream };
  opts: (cmd: Command) => CommandOptions;
  run: (fn: Action) => (...args: unknown[]) => Promise<void>;
  print: (lines: string[] | string) => void;
}

const line = (e: LogEntry) =>
  `${e.timestamp} ${e.level.toUpperCase().padEnd(5)} ${e.resource && !e.message.startsWith(e.resource) ? `${e.resource}: ` : ''}${e.message}`;

/** `logs <id> [-f]`: the stored log, page by page; with -f, the live stream until the run ends. */
export function logsCommand(program: Command, { io, opts, run, print }: Deps): void {
  program
    .command('logs')
    .description('print the log of a deployment; -f follows it until the run ends')
    .argument('<id>')
    .option('-f, --follow', 'stream new entries until the deployment ends (exit code: its outcome)')
    .action(run(async (id: string, _o, cmd: Command) => {
      const o = opts(cmd);
      const client = clientOf(o);
      const show = (e: LogEntry) => (o.json ? io.stdout.write(`${JSON.stringify(e)}\n`) : print(line(e)));
      if (!o.follow) {
        for (let cursor = 0; ; ) {
          const page = await client.getLogs(id, { cursor });
          page.logs.forEach(show);
          if (page.logs.length === 0 || page.nextCursor === cursor) break;
          cursor = page.nextCursor;
        }
        return EXIT.completed;
      }
      let cursor = 0;
      for (let attempt = 0; attempt < 20; attempt++) {
        for await (const e of client.streamLogs(id, { cursor })) {
          if (e.type === 'log') {
            show(e.entry);
            if (e.cursor !== null) cursor = e.cursor;
          } else if (e.type === 'end') {
            if (!o.json) print(`-- ${e.status}${e.error ? `: ${e.error}` : ''}`);
            return exitCodeOf(e.status);
          }
        }
        const d = await client.getDeployment(id);
        if (['completed', 'failed', 'cancelled', 'planned', 'rolled_back'].includes(d.status)) return exitCodeOf(d.status);
      }
      return EXIT.failed;
    }));
}
