import { mkdir } from 'node:fs/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { GitCodeSource, InlineCodeSource, Orchestrator, resolveSandbox, type CodeSource, type StateStore } from '@iac-orchestrator/core';
import { ConfigError, isLoopback, unsandboxedRefusal, type ServiceConfig } from './config.js';
import { createExecutors } from './executor-packages.js';
import { HttpGeneratorCodeSource } from './generator-code-source.js';
import { createLogger, orchestratorLogger } from './logger.js';
import { buildServer } from './server.js';
import { createQueue, createStore } from './store-factory.js';
import { ServiceMetrics } from './metrics.js';

/** A running service: what `iac-orchestrator serve` starts. */
export interface RunningService {
  config: ServiceConfig;
  app: FastifyInstance;
  orchestrator: Orchestrator;
  store: StateStore;
  logger: Logger;
  /** `http://host:port` it listens on (the real port when PORT=0). */
  url: string;
  /** Stops accepting requests, lets running deployments save state and release locks (bounded by
   * `shutdownGraceMs`; the orchestrator then closes the store). Idempotent. */
  close(): Promise<void>;
}

/** `IAC_GENERATOR_URL` when set; without it only inline `files` can be deployed. */
export function createCodeSource(config: ServiceConfig): CodeSource {
  return config.generator
    ? new HttpGeneratorCodeSource({ baseUrl: config.generator.url, timeoutMs: config.generator.timeoutMs, retries: config.generator.retries })
    : new InlineCodeSource();
}

/**
 * Starts the standalone service: store, executors, orchestrator (with `recover()` of what a previous
 * process left), REST API listening on `config.host:config.port`.
 */
export async function startService(config: ServiceConfig, opts: { logger?: Logger } = {}): Promise<RunningService> {
  const logger = opts.logger ?? createLogger(config).logger;
  for (const dir of [config.terraform.workRoot, config.cloudformation.workRoot, config.bicep.workRoot]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }
  if (config.terraform.pluginCacheDir) await mkdir(config.terraform.pluginCacheDir, { recursive: true });
  // Resolved before anything starts: `bwrap` that cannot work here, or `auto` that found no sandbox on an
  // address other machines reach, refuses to start instead of running hostile code unisolated.
  const sandbox = await resolveSandbox(config.sandbox).catch((e: unknown) => {
    throw new ConfigError(e instanceof Error ? e.message : String(e));
  });
  if (sandbox.kind === 'none') {
    if (!isLoopback(config.host) && !config.allowUnsandboxed) throw new ConfigError(unsandboxedRefusal(config.host, sandbox.describe().detail));
    logger.warn({ sandbox: sandbox.describe() }, `Tool processes run WITHOUT a sandbox: ${sandbox.describe().detail}`);
  } else logger.info({ sandbox: sandbox.describe() }, `Tool processes run in the ${sandbox.kind} sandbox`);
  const store = await createStore(config);
  await store.init?.();
  const queue = await createQueue(config).catch(async (e: unknown) => {
    await store.close?.();
    throw e;
  });
  const orchestrator = new Orchestrator({
    queue,
    // An API process only stores and enqueues; workers (and `all`) take the jobs.
    runner: config.role !== 'api',
    store,
    executors: await createExecutors(config),
    codeSource: createCodeSource(config),
    gitSource: new GitCodeSource(config.git),
    credentials: config.credentials,
    concurrency: config.concurrency,
    maxDeploymentTimeoutMs: config.maxDeploymentTimeoutMs,
    stateRetention: config.stateRetention,
    protectedEnvironments: config.protectedEnvironments,
    maxLogBytes: config.maxLogBytes,
    logger: orchestratorLogger(logger),
    sandbox,
    notifications: config.notifications,
  });
  const { recovered } = await orchestrator.recover();
  if (recovered.length > 0) logger.warn({ recovered }, `recovered ${recovered.length} deployment(s) left running by a previous process`);
  // Replicas sharing a Redis store also pick up what a crashed peer left, once its leases expire.
  if (config.store.kind === 'redis') orchestrator.startRecoveryLoop();

  const app = config.role === 'worker' ? buildWorkerServer(orchestrator, logger) : buildServer({
    orchestrator,
    tokens: config.tokens,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    // The address it was told to listen on is a name its callers use, unless it is a wildcard.
    allowedHosts: [...config.guards.allowedHosts, ...(['0.0.0.0', '::'].includes(config.host) ? [] : [config.host])],
    deployLimits: { maxSensitiveValues: config.guards.maxSensitiveValues },
    maxStreamsPerToken: config.guards.maxStreamsPerToken,
    ui: config.ui,
    ...(config.slack ? { slack: config.slack } : {}),
  });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    await orchestrator.close(0).catch(() => undefined);
    throw e;
  }
  const addr = app.server.address();
  const port = addr && typeof addr === 'object' ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  logger.info(
    { url, role: config.role, queue: queue.engine, store: config.store.kind, generator: config.generator ? 'http' : 'inline-only', auth: config.unauthenticated ? 'none' : `${config.tokens.length} token(s)` },
    `iac-orchestrator listening on ${url}`,
  );
  if (config.unauthenticated) {
    logger.warn(
      config.host === '127.0.0.1' || config.host === '::1' || config.host === 'localhost'
        ? `No ORCHESTRATOR_API_TOKENS: listening on loopback only (${config.host}); every local caller acts as admin`
        : `No ORCHESTRATOR_API_TOKENS and ORCHESTRATOR_ALLOW_UNAUTHENTICATED=true: anyone who reaches ${url} acts as admin`,
    );
  }

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      logger.info({ graceMs: config.shutdownGraceMs }, 'shutting down: no new requests, letting running deployments save state');
      await app.close();
      // Lets running deployments finish (or cancels them after the grace), saves state, releases locks,
      // then closes the store.
      await orchestrator.close(config.shutdownGraceMs);
      logger.info('shut down');
    })());
  return { config, app, orchestrator, store, logger, url, close };
}

/** A worker's HTTP surface: only /health, /ready (store, queue, executors) and /metrics; no API routes. */
function buildWorkerServer(orchestrator: Orchestrator, logger: Logger): FastifyInstance {
  const app = Fastify({ loggerInstance: logger }) as unknown as FastifyInstance;
  const metrics = new ServiceMetrics();
  const detach = metrics.observe(orchestrator);
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_req, reply) => {
    const report = await orchestrator.readiness();
    return reply.code(report.ok ? 200 : 503).send({ status: report.ok ? 'ready' : 'not_ready', role: 'worker', ...report });
  });
  app.get('/metrics', async (_req, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.type(contentType).send(body);
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'Not found' }));
  app.addHook('onClose', async () => detach());
  return app;
}
