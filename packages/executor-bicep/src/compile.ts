import { accessSync, constants } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { delimiter, join, relative } from 'node:path';
import { ExecutorError, ValidationError, type ExecutorContext, type Redactor } from '@iac-orchestrator/core';
import { buildAzBicepBuildArgs, buildBicepBuildArgs } from './commands/bicep-build.js';
import { buildChildEnv } from './env.js';
import { DEFAULTS, type ResolvedOptions } from './options.js';
import { CliRunner } from './runner.js';
import { layout, writeBundle } from './workspace.js';

/** An ARM template ready to deploy, and how it was obtained. */
export interface CompiledTemplate {
  template: Record<string, unknown>;
  /** Entry file in the bundle. */
  entry: string;
  compiledWith: 'bicep' | 'az bicep' | 'none';
}

/** One diagnostic of the Bicep compiler. */
export interface BicepDiagnostic {
  file: string;
  line: number;
  column: number;
  level: 'error' | 'warning' | 'info';
  code: string;
  message: string;
}

/** A template that does not compile; `diagnostics` say where and why. */
export class BicepCompileError extends ExecutorError {
  readonly diagnostics: BicepDiagnostic[];
  constructor(message: string, diagnostics: BicepDiagnostic[]) {
    super(message, { toolCode: diagnostics[0]?.code ?? null, diagnostics });
    this.diagnostics = diagnostics;
  }
}

/** Bicep's diagnostic lines, e.g. `/w/main.bicep(22,51) : Error BCP064: Found unexpected tokens...`
 * (the format "Bicep CLI" and "Find errors" on learn.microsoft.com show; az prefixes `ERROR: `). */
const DIAGNOSTIC = /^(?:ERROR: |WARNING: )?(.+?)\((\d+),(\d+)\)\s*:\s*(Error|Warning|Info)\s+([\w-]+):\s*(.*)$/;

export function parseBicepDiagnostics(output: string, bundleDir: string): BicepDiagnostic[] {
  const out: BicepDiagnostic[] = [];
  for (const raw of output.split(/\r?\n/)) {
    const m = DIAGNOSTIC.exec(raw.trim());
    if (!m) continue;
    const rel = relative(bundleDir, m[1]);
    out.push({
      file: rel && !rel.startsWith('..') ? rel : m[1],
      line: Number(m[2]),
      column: Number(m[3]),
      level: m[4].toLowerCase() as BicepDiagnostic['level'],
      code: m[5],
      message: m[6].trim(),
    });
  }
  return out;
}

/** Finds an executable on a PATH string without spawning anything. */
export function findOnPath(cmd: string, path: string | undefined): string | null {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return join(dir, cmd);
    } catch {
      /* next */
    }
  }
  return null;
}

/** The bundle's entry: an explicit `templateFile`, else main.bicep, else main.json. */
export function entryOf(files: Record<string, string>, templateFile?: string): string {
  if (templateFile) {
    if (!(templateFile in files)) throw new ValidationError(`templateFile "${templateFile}" is not in the bundle`, 'options.executor.templateFile');
    return templateFile;
  }
  if (DEFAULTS.bicepEntry in files) return DEFAULTS.bicepEntry;
  if (DEFAULTS.armEntry in files) return DEFAULTS.armEntry;
  throw new ValidationError(`The bundle has no ${DEFAULTS.bicepEntry} or ${DEFAULTS.armEntry}`, 'files');
}

/**
 * Writes the bundle and turns its entry into an ARM template: a `.json` entry is used as it is (no
 * compiler needed); a `.bicep` one is compiled by the standalone `bicep` when there is one, else by
 * `az bicep build` (run with a credential-free config dir, where az caches the Bicep it downloads).
 * Compiler diagnostics are emitted as log entries; errors throw {@link BicepCompileError}.
 */
export async function compileBundle(ctx: ExecutorContext, opts: ResolvedOptions, redactor: Redactor, templateFile?: string): Promise<CompiledTemplate> {
  const bundleDir = await writeBundle(ctx.workDir, ctx.bundle);
  const entry = entryOf(ctx.bundle.files, templateFile);
  if (entry.endsWith('.json')) return { template: parseArm(ctx.bundle.files[entry], entry), entry, compiledWith: 'none' };

  const outFile = layout(ctx.workDir).templateFile;
  const file = join(bundleDir, entry);
  const env = buildChildEnv({ configDir: opts.toolConfigDir, extra: opts.env });
  const bicep = opts.bicepBinary ?? findOnPath('bicep', env.PATH);
  let compiledWith: CompiledTemplate['compiledWith'];
  let result;
  const log = (line: string) => ctx.emit({ type: 'log', level: 'debug', message: line, resource: null });
  // The compilers may also write the credential-free tool dir (az caches the Bicep it downloads there).
  const place = { sandbox: () => opts.sandbox(ctx), cwd: ctx.workDir, writablePaths: [ctx.workDir, opts.toolConfigDir, ...opts.writablePaths], readablePaths: opts.readablePaths };
  if (bicep) {
    compiledWith = 'bicep';
    await mkdir(opts.toolConfigDir, { recursive: true, mode: 0o700 });
    result = await new CliRunner(bicep, env, redactor, opts.commandTimeoutMs, log, place).run(buildBicepBuildArgs({ file, outFile }), { signal: ctx.signal });
  } else {
    compiledWith = 'az bicep';
    await mkdir(opts.toolConfigDir, { recursive: true, mode: 0o700 });
    result = await new CliRunner(opts.azBinary, env, redactor, opts.commandTimeoutMs, log, place).run(buildAzBicepBuildArgs({ file, outFile }), { signal: ctx.signal });
  }
  const diagnostics = parseBicepDiagnostics(`${result.stdout}\n${result.stderr}`, bundleDir);
  for (const d of diagnostics) {
    ctx.emit({
      type: 'log',
      level: d.level === 'error' ? 'error' : d.level === 'warning' ? 'warn' : 'info',
      message: `${d.file}:${d.line}:${d.column} ${d.level} ${d.code}: ${d.message}`,
      resource: null,
    });
  }
  if (result.exitCode !== 0) {
    const errors = diagnostics.filter((d) => d.level === 'error');
    const first = errors[0];
    const what = first
      ? `${errors.length} error${errors.length > 1 ? 's' : ''}; first: ${first.file}:${first.line}:${first.column} ${first.code}: ${first.message}`
      : redactor.redact(result.stderr.split('\n').find((l) => l.trim()) ?? `exit code ${result.exitCode}`);
    throw new BicepCompileError(`Bicep compilation of ${entry} failed: ${what}`, errors);
  }
  return { template: parseArm(await readFile(outFile, 'utf8'), entry), entry, compiledWith };
}

function parseArm(text: string, entry: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ValidationError(`${entry} is not valid JSON`, `files.${entry}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v) || !('resources' in v || '$schema' in v)) {
    throw new ValidationError(`${entry} is not an ARM template (no $schema or resources)`, `files.${entry}`);
  }
  return v as Record<string, unknown>;
}
