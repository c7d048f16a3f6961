/**
 * Test helpers around the STAND-IN `az` / `bicep` (test/fixtures/bin): Azure cannot be reached here, so
 * the executor runs against scripts that replay recorded az outputs (see test/fixtures/az-output).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CancelledError, makeBundle, type Bundle, type ExecutorContext, type ExecutorEvent, type Operation } from '@iac-orchestrator/core';
import type { BicepExecutorOptions } from '../../src/options.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const STANDIN_AZ = join(FIXTURES, 'bin', 'az');
export const STANDIN_BICEP = join(FIXTURES, 'bin', 'bicep');
export const AZ_OUTPUT = join(FIXTURES, 'az-output');

export interface Response {
  stdout?: string;
  /** A file of test/fixtures/az-output to print. */
  file?: string;
  stderr?: string;
  exitCode?: number;
  setPhase?: string;
  delayMs?: number;
  /** bicep build: write the scenario's template to --outfile. */
  compile?: boolean;
}

export interface Call {
  key: string;
  argv: string[];
  stdinSha256: string | null;
  env: { keys: string[]; AZURE_CONFIG_DIR: string; HOME: string | null };
  parameters?: { parameters: Record<string, { value: unknown }> };
  templateExists?: boolean;
}

export const SECRET = 'sp-Secret~value.123';
export const CREDENTIALS = {
  AZURE_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
  AZURE_CLIENT_SECRET: SECRET,
  AZURE_TENANT_ID: '99999999-8888-7777-6666-555555555555',
  AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001',
};

/** The happy path every deploy scenario starts from; tests override entries. */
export function baseResponses(): Record<string, Response[]> {
  return {
    login: [{ stdout: '' }],
    'account set': [{ stdout: '' }],
    'group exists': [{ stdout: 'true' }],
    'group create': [{ file: 'group-create.json' }],
    'deployment group validate': [{ file: 'validate-succeeded.json' }],
    'deployment group what-if': [{ file: 'what-if-create-modify.json' }],
    'deployment group create': [{ stdout: '' }],
    'deployment group show': [{ file: 'deployment-accepted.json' }, { file: 'deployment-running.json' }, { file: 'deployment-succeeded.json' }],
    'deployment operation group list': [{ stdout: '[]' }, { file: 'operations-running.json' }, { file: 'operations-succeeded.json' }],
    'deployment group cancel': [{ stdout: '', setPhase: 'cancelled' }],
    'resource delete': [{ stdout: '' }],
    'bicep build': [{ compile: true }],
    'bicep-cli build': [{ compile: true }],
    // `az version` as the installed azure-cli 2.45 prints it; `bicep --version` as Bicep CLI prints it.
    version: [{ stdout: '{\n  "azure-cli": "2.45.0",\n  "azure-cli-core": "2.45.0",\n  "azure-cli-telemetry": "1.0.8",\n  "extensions": {}\n}' }],
    'bicep-cli --version': [{ stdout: 'Bicep CLI version 0.24.24 (5646341b0c)' }],
  };
}

export class Standin {
  private constructor(readonly dir: string) {}

  static async create(responses: Record<string, Response[]>, template?: unknown): Promise<Standin> {
    const dir = await mkdtemp(join(tmpdir(), 'az-standin-'));
    const tpl = template ?? JSON.parse(await readFile(join(FIXTURES, 'web-app', 'main.json'), 'utf8'));
    await writeFile(
      join(dir, 'scenario.json'),
      JSON.stringify({ responses, template: tpl, fixturesDir: AZ_OUTPUT, expectSecretSha256: createHash('sha256').update(SECRET).digest('hex') }),
    );
    return new Standin(dir);
  }

  /** Executor options that point at the stand-in. */
  options(extra: BicepExecutorOptions = {}): BicepExecutorOptions {
    return { azBinary: STANDIN_AZ, pollIntervalMs: 10, cancelGraceMs: 5_000, toolConfigDir: join(this.dir, 'tool'), env: { AZ_STANDIN_DIR: this.dir }, writablePaths: [this.dir], readablePaths: [AZ_OUTPUT], ...extra };
  }

  async calls(): Promise<Call[]> {
    const text = await readFile(join(this.dir, 'calls.jsonl'), 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Call);
  }

  async keys(): Promise<string[]> {
    return (await this.calls()).map((c) => c.key);
  }

  cleanup(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}

/** A recording ExecutorContext. */
export interface TestContext extends ExecutorContext {
  events: ExecutorEvent[];
  secrets: string[];
  abort(reason?: Error): void;
  dispose(): Promise<void>;
}

export async function fixtureBundle(kind: 'bicep' | 'arm'): Promise<Bundle> {
  const name = kind === 'bicep' ? 'main.bicep' : 'main.json';
  return makeBundle({ [name]: await readFile(join(FIXTURES, 'web-app', name), 'utf8') });
}

export async function makeContext(over: Partial<ExecutorContext> & { bundle: Bundle; operation?: Operation }): Promise<TestContext> {
  const workDir = over.workDir ?? (await mkdtemp(join(tmpdir(), 'bicep-work-')));
  const controller = new AbortController();
  const events: ExecutorEvent[] = [];
  const secrets: string[] = [];
  const ctx: TestContext = {
    deploymentId: '7d7c6a4e-5b1d-4c2e-9f3a-0123456789ab',
    stack: { blueprintId: 'web-app', environment: 'dev', targetCloud: 'azure', format: 'bicep' },
    stackKey: 'web-app/dev/azure/bicep',
    operation: 'apply',
    priorState: null,
    variables: { storageName: 'stweb001', adminPassword: 'P@ssw0rd-very-secret' },
    env: { ...CREDENTIALS },
    parallelism: 10,
    options: {},
    signal: controller.signal,
    ...over,
    workDir,
    events,
    secrets,
    emit: (e) => events.push(e),
    secret: (v) => secrets.push(v),
    abort: (reason = new CancelledError()) => controller.abort(reason),
    dispose: () => rm(workDir, { recursive: true, force: true }),
  };
  return ctx;
}

export const logsOf = (ctx: TestContext) => ctx.events.filter((e) => e.type === 'log').map((e) => (e as { message: string }).message);
export const resourceEventsOf = (ctx: TestContext) =>
  ctx.events.filter((e): e is Extract<ExecutorEvent, { type: 'resource' }> => e.type === 'resource').map((e) => `${e.name}:${e.status}`);
