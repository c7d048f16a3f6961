import type { FastifyInstance } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStateStore, Orchestrator, type OrchestratorOptions } from '@iac-orchestrator/core';
import { TerraformExecutor } from '@iac-orchestrator/executor-terraform';
import { parseApiTokens } from '../../src/auth.js';
import { HttpGeneratorCodeSource } from '../../src/generator-code-source.js';
import { buildServer, type HttpAdapterOptions } from '../../src/server.js';
import { findCommand, prerequisite } from '../../../../test-support/prerequisites.js';

/** One token per role; names are what the audit trail shows. */
export const TOKENS = {
  viewer: 'viewer-token-0123456789abcdef',
  deployer: 'deployer-token-0123456789abcdef',
  approver: 'approver-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
} as const;
export type RoleName = keyof typeof TOKENS;

export const terraformAvailable = () => prerequisite('terraform', findCommand('terraform') !== null, 'terraform CLI not on PATH');

/** A real orchestrator (in-memory store, real terraform) behind the real HTTP server on an ephemeral port. */
export class ApiHarness {
  app!: FastifyInstance;
  orchestrator!: Orchestrator;
  url = '';
  private workRoot = '';

  async start(opts: { generatorUrl?: string; tokens?: boolean; orchestrator?: Partial<OrchestratorOptions>; maxBodyBytes?: number; ui?: HttpAdapterOptions['ui']; server?: Partial<HttpAdapterOptions> } = {}): Promise<this> {
    this.workRoot = await mkdtemp(join(tmpdir(), 'http-adapter-test-'));
    this.orchestrator = new Orchestrator({
      store: new MemoryStateStore(),
      executors: [new TerraformExecutor({ workRoot: this.workRoot })],
      codeSource: opts.generatorUrl ? new HttpGeneratorCodeSource({ baseUrl: opts.generatorUrl, retries: 2, minRetryDelayMs: 20, timeoutMs: 2000 }) : undefined,
      lockWaitMs: 0,
      ...opts.orchestrator,
    });
    const spec = Object.entries(TOKENS)
      .map(([role, token]) => `${role}-user:${role}:${token}`)
      .join(',');
    this.app = buildServer({ orchestrator: this.orchestrator, tokens: opts.tokens === false ? [] : parseApiTokens(spec), maxBodyBytes: opts.maxBodyBytes, ui: opts.ui ?? false, ...opts.server });
    await this.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = this.app.server.address();
    this.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    return this;
  }

  async stop(): Promise<void> {
    await this.app?.close();
    await this.orchestrator?.close(5_000);
    if (this.workRoot) await rm(this.workRoot, { recursive: true, force: true });
  }

  /** A JSON request as `role` (or without a token when role is null). */
  async call(method: string, path: string, opts: { role?: RoleName | null; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any; headers: Headers }> {
    const headers: Record<string, string> = { ...opts.headers };
    const role = opts.role === undefined ? 'admin' : opts.role;
    if (role) headers.authorization = `Bearer ${TOKENS[role]}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON (metrics) */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  /** Polls a deployment until its status is one of `statuses` (a wait, not a timing assertion). */
  async waitForStatus(id: string, statuses: string[], role: RoleName = 'viewer'): Promise<any> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const r = await this.call('GET', `/api/deployments/${id}`, { role });
      if (r.status !== 200) throw new Error(`GET deployment ${id}: ${r.status} ${JSON.stringify(r.body)}`);
      if (statuses.includes(r.body.status)) return r.body;
      if (Date.now() > deadline) throw new Error(`deployment ${id} stuck in ${r.body.status} (${r.body.error ?? ''})`);
      await new Promise((res) => setTimeout(res, 150));
    }
  }
}

export const deployBody = (over: Record<string, unknown> = {}) => ({
  blueprintId: 'abc-123',
  environment: 'dev',
  targetCloud: 'azure',
  format: 'terraform',
  options: { autoApprove: true },
  ...over,
});
