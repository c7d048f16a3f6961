import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import picocolors from 'picocolors';
import type { DeploymentStatus, Format } from '@iac-orchestrator/core';
import { collectVar, guessFormat, readBundle } from './bundle.js';
import { clientOf, EXIT, reportError, UsageError, type GlobalOptions } from './connection.js';
import { followRun, askOnTerminal } from './follow.js';
import { formatDeployment, formatHistory, formatList, formatPlan, formatState } from './format.js';
import { JsonRenderer, PlainRenderer, TtyRenderer, type RunRenderer } from './renderers.js';
import { logsCommand } from './logs.js';

/** The client commands of the `iac-orchestrator` bin (beside `serve`). */
export { CLIENT_COMMANDS } from './commands.js';

interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Whether a person is at a terminal (live rendering and the approval prompt). */
  tty: boolean;
}

/** Commander passes positional arguments, then the options, then the command. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- commander's action arguments are untyped by design
type Action = (...args: any[]) => Promise<number>;
/** Parsed options of a command with the global ones (commander's values are untyped). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandOptions = GlobalOptions & Record<string, any>;

/** Runs a client command; resolves with its exit code (0 completed, 1 failed, 2 usage, 3 awaiting approval). */
export async function runClientCli(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, tty: !!process.stdout.isTTY && !!process.stdin.isTTY }): Promise<number> {
  let code: number = EXIT.completed;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT.usage;
    return reportError(e, io.stderr);
  }
  return code;
}

function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const c = picocolors.createColors(io.tty && !process.env.NO_COLOR);
  const print = (lines: string[] | string) => io.stdout.write(`${Array.isArray(lines) ? lines.join('\n') : lines}\n`);
  const program = new Command('iac-orchestrator')
    .description('Deploy, watch and steer deployments of an orchestrator service (and `serve` to run one).')
    .addOption(new Option('--url <url>', 'service URL').env('ORCHESTRATOR_URL').default('http://127.0.0.1:3004'))
    .addOption(new Option('--token <token>', 'bearer token (prefer the environment variable)').env('ORCHESTRATOR_TOKEN'))
    .option('--json', 'machine output: JSON (one event per line when following a run)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError();

  const opts = (cmd: Command) => cmd.optsWithGlobals() as CommandOptions;
  const run = (fn: Action) => async (...args: unknown[]) => setCode(await fn(...args));
  const rendererFor = (o: GlobalOptions): RunRenderer => (o.json ? new JsonRenderer(io.stdout) : io.tty ? new TtyRenderer(io.stdout) : new PlainRenderer(io.stdout));
  const follow = (o: GlobalOptions & { wait?: boolean }, id: string, what: string) => {
    const renderer = rendererFor(o);
    renderer.started(id, what);
    return followRun(clientOf(o), id, { renderer, noWait: o.wait === false, ask: io.tty && !o.json ? askOnTerminal : null });
  };
  const json = (o: GlobalOptions, value: unknown, text: () => string[]) => (o.json ? print(JSON.stringify(value, null, 2)) : print(text()));

  program
    .command('deploy')
    .description('start a deployment of a directory or file of IaC code and follow it live')
    .argument('<path>', 'directory (read recursively) or single file')
    .requiredOption('--blueprint <id>', 'blueprint id')
    .requiredOption('--env <name>', 'environment (production-like names need approval)')
    .addOption(new Option('--cloud <cloud>', 'target cloud').choices(['azure', 'aws', 'gcp']).makeOptionMandatory())
    .addOption(new Option('--format <format>', 'IaC format (default: guessed from the files)').choices(['terraform', 'bicep', 'cloudformation']))
    .option('--auto-approve', 'apply without stopping for approval (production: approvers only)')
    .option('--dry-run', 'plan only')
    .option('--var <name=value>', 'input variable (repeatable)', (v: string, prev: Record<string, unknown>) => {
      try {
        return collectVar(v, prev);
      } catch (e) {
        throw new InvalidArgumentError((e as Error).message);
      }
    }, {})
    .option('--sensitive <name>', 'a variable whose value is a secret (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--no-wait', 'at the approval gate, stop with exit 3 instead of waiting')
    .action(run(async (path: string, _o, cmd: Command) => {
      const o = opts(cmd);
      const files = await readBundle(path);
      const format = (o.format as Format | undefined) ?? guessFormat(files);
      if (!format) throw new UsageError('cannot tell the format from the files; pass --format');
      const started = await clientOf(o).startDeployment({
        blueprintId: o.blueprint,
        environment: o.env,
        targetCloud: o.cloud,
        format,
        files,
        options: { autoApprove: !!o.autoApprove, dryRun: !!o.dryRun, variables: o.var ?? {}, sensitiveVariables: o.sensitive ?? [] },
      });
      return follow(o, started.deploymentId, `${format} → ${o.cloud}, ${o.env}`);
    }));

  program
    .command('status')
    .description("show a deployment's status, resources and outputs")
    .argument('<id>')
    .action(run(async (id: string, _o, cmd: Command) => {
      const o = opts(cmd);
      const d = await clientOf(o).getDeployment(id);
      json(o, d, () => formatDeployment(d, c));
      return EXIT.completed;
    }));

  program
    .command('list')
    .description('list deployments, newest first')
    .option('--blueprint <id>')
    .option('--env <name>')
    .option('--status <status>')
    .option('--limit <n>', 'at most n', '20')
    .action(run(async (_o, cmd: Command) => {
      const o = opts(cmd);
      const page = await clientOf(o).listDeployments({ blueprintId: o.blueprint, environment: o.env, status: o.status as DeploymentStatus | undefined, limit: Number(o.limit) });
      json(o, page, () => formatList(page.deployments, c));
      return EXIT.completed;
    }));

  logsCommand(program, { io, opts, run, print });

  program
    .command('plan')
    .description('show the plan of a deployment as a diff (+ create, ~ update, - delete)')
    .argument('<id>')
    .action(run(async (id: string, _o, cmd: Command) => {
      const o = opts(cmd);
      const d = await clientOf(o).getDeployment(id);
      json(o, d.plan ?? null, () => [`Plan of ${d.id} (${d.environment}, ${d.status})`, ...formatPlan(d, c)]);
      return EXIT.completed;
    }));

  for (const decision of ['approve', 'reject'] as const) {
    program
      .command(decision)
      .description(`${decision} a plan awaiting approval`)
      .argument('<id>')
      .option('-m, --message <comment>', 'comment recorded with the decision')
      .action(run(async (id: string, _o, cmd: Command) => {
        const o = opts(cmd);
        const client = clientOf(o);
        const input = o.message ? { comment: o.message as string } : {};
        const d = decision === 'approve' ? await client.approveDeployment(id, input) : await client.rejectDeployment(id, input);
        json(o, d, () => [`${decision === 'approve' ? 'Approved' : 'Rejected'} ${d.id} (${d.environment}): ${d.status}`]);
        return EXIT.completed;
      }));
  }

  program
    .command('cancel')
    .description('cancel a deployment')
    .argument('<id>')
    .action(run(async (id: string, _o, cmd: Command) => {
      const o = opts(cmd);
      const d = await clientOf(o).cancelDeployment(id);
      json(o, d, () => [`Cancel requested for ${d.id}: ${d.status}`]);
      return EXIT.completed;
    }));

  program
    .command('rollback')
    .description('roll the stack of a deployment back to a state version and follow the rollback')
    .argument('<id>')
    .requiredOption('--to <version>', 'state version to restore', (v) => {
      if (!/^\d+$/.test(v)) throw new InvalidArgumentError('a version number');
      return Number(v);
    })
    .option('--reason <text>')
    .option('--auto-approve')
    .option('--no-wait', 'at the approval gate, stop with exit 3')
    .action(run(async (id: string, _o, cmd: Command) => {
      const o = opts(cmd);
      const r = await clientOf(o).rollbackDeployment(id, { targetVersion: o.to, ...(o.reason ? { reason: o.reason } : {}), ...(o.autoApprove ? { autoApprove: true } : {}) });
      return follow(o, r.rollbackDeploymentId, `rollback of ${id} to version ${o.to}`);
    }));

  program
    .command('destroy')
    .description("destroy a deployment's stack and follow the run")
    .argument('<id>')
    .option('--reason <text>')
    .option('--auto-approve')
    .option('--no-wait', 'at the approval gate, stop with exit 3')
    .action(run(async (id: string, _o, cmd: Command) => {
      const o = opts(cmd);
      const r = await clientOf(o).destroyDeployment(id, { ...(o.reason ? { reason: o.reason } : {}), ...(o.autoApprove ? { autoApprove: true } : {}) });
      return follow(o, r.deploymentId, `destroy of ${id}`);
    }));

  program
    .command('state')
    .description('show the current state of the stack')
    .argument('<id>')
    .action(run(async (id: string, _o, cmd: Command) => {
      const o = opts(cmd);
      const s = await clientOf(o).getState(id);
      json(o, s, () => formatState(s));
      return EXIT.completed;
    }));

  program
    .command('history')
    .description('list the state versions of the stack')
    .argument('<id>')
    .option('--limit <n>', 'at most n', '10')
    .action(run(async (id: string, _o, cmd: Command) => {
      const o = opts(cmd);
      const h = await clientOf(o).getStateHistory(id, { limit: Number(o.limit) });
      json(o, h, () => formatHistory(h.versions));
      return EXIT.completed;
    }));

  program
    .command('lock')
    .description('lock the stack state by hand')
    .argument('<id>')
    .requiredOption('--who <name>', 'who holds it')
    .option('--operation <name>', 'what for', 'manual')
    .option('--info <text>')
    .action(run(async (id: string, _o, cmd: Command) => {
      const o = opts(cmd);
      const l = await clientOf(o).lockState(id, { operation: o.operation, who: o.who, ...(o.info ? { info: o.info } : {}) });
      json(o, l, () => [`Locked: lockId ${l.lockId}`]);
      return EXIT.completed;
    }));

  program
    .command('unlock')
    .description('release a lock of the stack state')
    .argument('<id>')
    .option('--lock-id <id>', 'the lock to release')
    .option('--force', 'release whatever lock is held (admin)')
    .action(run(async (id: string, _o, cmd: Command) => {
      const o = opts(cmd);
      if (!o.lockId && !o.force) throw new UsageError('unlock needs --lock-id <id> or --force');
      const r = await clientOf(o).unlockState(id, { ...(o.lockId ? { lockId: o.lockId } : {}), ...(o.force ? { force: true } : {}) });
      json(o, r, () => ['Unlocked.']);
      return EXIT.completed;
    }));

  program
    .command('me')
    .description("show the token's principal and role")
    .action(run(async (_o, cmd: Command) => {
      const o = opts(cmd);
      const me = await clientOf(o).getMe();
      json(o, me, () => [`${me.name} (${me.role})${me.canApprove ? ', may approve' : ''}`]);
      return EXIT.completed;
    }));

  return program;
}

export type { Io as ClientIo, Action };
