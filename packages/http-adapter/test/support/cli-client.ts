import { execa, type ResultPromise } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOKENS, type RoleName } from './harness.js';
import { childEnv, cliEntry, repoRoot, startServe, type ServeProcess } from './serve.js';

export const fixture = (name: string) => join(repoRoot, 'packages/executor-terraform/test/fixtures', name);

/** `iac-orchestrator serve` (the real bin, file store, real terraform) with one token per role. */
export async function startTokenService(): Promise<{ svc: ServeProcess; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cli-client-'));
  const tokens = Object.entries(TOKENS)
    .map(([role, token]) => `${role}-user:${role}:${token}`)
    .join(',');
  const svc = await startServe({
    PORT: '0',
    HOST: '127.0.0.1',
    ORCHESTRATOR_API_TOKENS: tokens,
    ORCHESTRATOR_DATA_DIR: join(dir, 'data'),
    TERRAFORM_WORK_DIR: join(dir, 'tf'),
    BICEP_WORK_DIR: join(dir, 'bicep'),
    CFN_WORK_DIR: join(dir, 'cfn'),
  });
  return {
    svc,
    stop: async () => {
      await svc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs the real `iac-orchestrator` bin (through tsx) as `role` against `url`, without a terminal. */
export function cli(url: string, role: RoleName | null, args: string[], extraEnv: Record<string, string> = {}): ResultPromise<{ cwd: string; extendEnv: false; reject: false; all: true }> {
  const env = childEnv({ ORCHESTRATOR_URL: url, ...(role ? { ORCHESTRATOR_TOKEN: TOKENS[role] } : {}), NO_COLOR: '1', ...extraEnv });
  return execa('node', ['--import', 'tsx', cliEntry, ...args], { cwd: repoRoot, env, extendEnv: false, reject: false, all: true });
}

/** The id in a `Deployment <id>` header line. */
export const deploymentIdIn = (out: string): string => {
  const m = /Deployment ([0-9a-f-]{36})/.exec(out);
  if (!m) throw new Error(`no deployment id in:\n${out}`);
  return m[1];
};
