import { execa, type ResultPromise } from 'execa';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
export const cliEntry = 'packages/http-adapter/src/cli.ts';

/** Env of the child: no inherited secrets or CI variables beyond what the service needs. */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  const tsx: Record<string, string> = process.env.TSX_TSCONFIG_PATH ? { TSX_TSCONFIG_PATH: process.env.TSX_TSCONFIG_PATH } : {};
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...tsx, ...extra };
}

export interface ServeProcess {
  child: ResultPromise<{ cwd: string; extendEnv: false; reject: false; buffer: true }>;
  url: string;
  output: () => string;
  /** SIGTERM, then the exit code. */
  stop: () => Promise<number | undefined>;
}

/** Starts `iac-orchestrator serve` (the real CLI entry, through tsx) and waits for its "listening" log line. */
export async function startServe(env: Record<string, string>, args: string[] = ['serve']): Promise<ServeProcess> {
  const child = execa('node', ['--import', 'tsx', cliEntry, ...args], { cwd: repoRoot, env: childEnv(env), extendEnv: false, reject: false, buffer: true });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) resolve(m[1]);
    });
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    void child.then((r) => reject(new Error(`serve exited early (${r.exitCode}): ${out}`)));
  });
  return {
    child,
    url,
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      return (await child).exitCode;
    },
  };
}

/** Runs curl with an argv (never through a shell), returning its stdout. */
export async function curl(...args: string[]): Promise<string> {
  const r = await execa('curl', ['-sS', ...args], { reject: false });
  if (r.exitCode !== 0) throw new Error(`curl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}
