import { basename } from 'node:path';
import { tmpdir } from 'node:os';
import { ExecutorUnavailableError, type Sandbox } from '@iac-orchestrator/core';
import { buildVersionArgs } from './commands/version.js';
import { buildChildEnv, type ChildEnvSettings } from './env.js';
import { runTerraform } from './run.js';

/** The CLI found on this machine. */
export interface BinaryInfo {
  /** Display name: the binary's base name (`terraform`, `tofu`). */
  name: string;
  version: string;
}

/** Compares dotted versions numerically ("1.10.0" > "1.9.5"); pre-release suffixes are ignored. */
export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split(/[.-]/).slice(0, 3).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.replace(/^v/, '').split(/[.-]/).slice(0, 3).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Whether this CLI's state records every sensitive attribute, the provider schema's included, in each
 * instance's `sensitive_attributes` (checked on Terraform 1.11: a literal written to a schema-sensitive
 * attribute is listed there). Then the state alone masks the applied resources and no `show -json` of the
 * saved plan is needed. Older Terraform and other CLIs (OpenTofu) keep that step.
 */
export function statesRecordSchemaSensitivity(info: BinaryInfo): boolean {
  return info.name === 'terraform' && compareVersions(info.version, '1.11.0') >= 0;
}

/**
 * Runs `<binary> version -json` once and checks the minimum version. Throws ExecutorUnavailableError
 * naming the binary and the minimum version when the CLI is missing, unreadable or too old.
 */
export async function probeBinary(binary: string, minVersion: string, sandbox: Sandbox, readablePaths: string[], cliConfigFile?: string, goRuntime: Pick<ChildEnvSettings, 'goGc' | 'goMemoryLimit'> = {}): Promise<BinaryInfo> {
  const name = basename(binary);
  // With the deployments' GOGC / GOMEMLIMIT, so that `check()` fails on settings Go would refuse.
  const env = buildChildEnv({ cloud: 'aws', credentials: {}, ...(cliConfigFile ? { cliConfigFile } : {}), ...goRuntime });
  const r = await runTerraform({ binary, args: buildVersionArgs(), cwd: tmpdir(), env, sandbox, writablePaths: [], readablePaths, graceMs: 1000, collectStdout: true });
  if (r.spawnError) throw new ExecutorUnavailableError(`${name} CLI not found or not executable ("${binary}"); version ${minVersion} or newer is required`);
  let version: string | undefined;
  try {
    version = (JSON.parse(r.stdout) as { terraform_version?: string }).terraform_version;
  } catch {
    version = /v?(\d+\.\d+\.\d+)/.exec(r.stdout)?.[1];
  }
  if (r.exitCode !== 0 || !version) throw new ExecutorUnavailableError(`${name} did not report its version; version ${minVersion} or newer is required`);
  if (compareVersions(version, minVersion) < 0) {
    throw new ExecutorUnavailableError(`${name} ${version} is too old: version ${minVersion} or newer is required`);
  }
  return { name, version };
}
