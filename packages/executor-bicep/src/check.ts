import { mkdir } from 'node:fs/promises';
import { buildAzVersionArgs, buildBicepVersionArgs } from './commands/version.js';
import { findOnPath } from './compile.js';
import { buildChildEnv } from './env.js';
import type { ResolvedOptions } from './options.js';
import { CliRunner } from './runner.js';
import { Redactor, type ExecutorCheck } from '@iac-orchestrator/core';

/** Finds az (and a standalone bicep) and their versions for readiness. Never throws. */
export async function checkTools(opts: ResolvedOptions): Promise<ExecutorCheck> {
  try {
    const env = buildChildEnv({ configDir: opts.toolConfigDir, extra: opts.env });
    await mkdir(opts.toolConfigDir, { recursive: true, mode: 0o700 });
    const place = { sandbox: () => opts.sandbox(), cwd: opts.toolConfigDir, writablePaths: [opts.toolConfigDir, ...opts.writablePaths], readablePaths: opts.readablePaths };
    const az = new CliRunner(opts.azBinary, env, new Redactor(), 60_000, undefined, place);
    const out = await az.json<Record<string, unknown>>('az version', buildAzVersionArgs());
    const version = `azure-cli ${String(out?.['azure-cli'] ?? 'unknown')}`;
    const bicepBin = opts.bicepBinary ?? findOnPath('bicep', env.PATH);
    if (!bicepBin) return { ok: true, version, detail: 'no standalone bicep on PATH: az bicep build compiles' };
    const b = await new CliRunner(bicepBin, env, new Redactor(), 60_000, undefined, place).run(buildBicepVersionArgs());
    const bicep = /version\s+([\w.-]+)/i.exec(b.stdout)?.[1];
    return { ok: true, version: bicep ? `${version}, bicep ${bicep}` : version };
  } catch (e) {
    return { ok: false, detail: e instanceof Error ? e.message : String(e) };
  }
}
