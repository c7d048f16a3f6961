#!/usr/bin/env node
import { ConfigError, loadConfig } from './config.js';
import { TokenConfigError } from './auth.js';
import type { RunningService } from './service.js';
import { isClientInvocation } from './cli/commands.js';

const USAGE = `Usage: iac-orchestrator serve
       iac-orchestrator import-file-store <file-store-dir>

Starts the orchestrator REST service. Configuration comes from the environment:
  PORT (3004), HOST (127.0.0.1 without tokens, else 0.0.0.0), LOG_LEVEL (info), NODE_ENV,
  IAC_GENERATOR_URL, TERRAFORM_WORK_DIR, BICEP_WORK_DIR, CFN_WORK_DIR,
  MAX_DEPLOYMENT_TIMEOUT_MS (1800000), STATE_BACKUP_RETENTION (10),
  ORCHESTRATOR_DATA_DIR (./.orchestrator-data), ORCHESTRATOR_STORE (sqlite | file), STATE_ENCRYPTION_KEY, REDIS_URL,
  RETENTION_DAYS (days terminal deployments and audit entries are kept),
  ORCHESTRATOR_API_TOKENS (name:role:token,...), ORCHESTRATOR_ALLOW_UNAUTHENTICATED,
  SHUTDOWN_GRACE_MS (20000), AZURE_*, AWS_*, GCP_* cloud credentials,
  ORCHESTRATOR_ROLE (all | api | worker; api and worker need REDIS_URL: jobs go through BullMQ).
A worker serves only /health, /ready and /metrics; on SIGTERM it stops taking jobs and lets running
ones finish within SHUTDOWN_GRACE_MS.
See the README of @iac-orchestrator/http-adapter.

Client commands (to a running service; --url/ORCHESTRATOR_URL, --token/ORCHESTRATOR_TOKEN):
  deploy, status, list, logs, plan, approve, reject, cancel, rollback, destroy, state, history, lock, unlock, me
  iac-orchestrator <command> --help for each.`;

/** Exit codes: 0 clean stop, 1 runtime failure, 2 bad configuration or usage. */
async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  if (isClientInvocation(argv)) {
    // Loaded only for client commands: they need neither the executors nor a store.
    const { runClientCli } = await import('./cli/client-cli.js');
    return runClientCli(argv);
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === 'import-file-store') {
    const { importFileStoreCommand } = await import('./import-command.js');
    return importFileStoreCommand(argv.slice(1), process.env);
  }
  if (command !== 'serve') {
    process.stderr.write(`${command ? `Unknown command "${command}"\n` : ''}${USAGE}\n`);
    return 2;
  }
  let service: RunningService;
  try {
    const config = loadConfig(process.env);
    // Loaded only to serve: the executors and the store are not needed to print usage or a config error.
    const { startService } = await import('./service.js');
    const { FileStoreNeedsImportError, MissingStorePackageError } = await import('./store-factory.js');
    const { MissingExecutorPackageError } = await import('./executor-packages.js');
    service = await startService(config).catch((e: unknown) => {
      if (e instanceof MissingStorePackageError || e instanceof FileStoreNeedsImportError || e instanceof MissingExecutorPackageError) throw new ConfigError(e.message);
      throw e;
    });
  } catch (e) {
    if (e instanceof ConfigError || e instanceof TokenConfigError) {
      process.stderr.write(`iac-orchestrator: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        service.logger.warn({ signal }, 'second signal: exiting without waiting');
        resolveExit(1);
        return;
      }
      stopping = true;
      service.logger.info({ signal }, 'signal received');
      // Bounded: past the grace, running deployments are cancelled and get up to 30 s to save state;
      // if closing still hangs after that, leave anyway.
      const hard = setTimeout(() => {
        service.logger.error('shutdown did not finish in time; exiting');
        resolveExit(1);
      }, service.config.shutdownGraceMs + 45_000);
      hard.unref();
      service.close().then(
        () => resolveExit(0),
        (err: unknown) => {
          service.logger.error({ err }, 'shutdown failed');
          resolveExit(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Lingering handles (keep-alive sockets, timers of a library) must not keep a stopped service alive.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (err: unknown) => {
    process.stderr.write(`iac-orchestrator: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
