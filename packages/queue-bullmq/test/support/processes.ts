import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';

const script = fileURLToPath(new URL('./runner-process.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** A runner in a separate node process (tsx, no shell), with its stdout lines collected as they come. */
export interface RunnerProcess {
  child: ResultPromise;
  lines: string[];
  waitFor(prefix: string, timeoutMs?: number): Promise<string>;
  kill9(): Promise<void>;
}

export function spawnRunner(url: string, queueName: string, mode: 'hang' | 'work', job?: unknown): RunnerProcess {
  const args = ['--import', 'tsx', script, url, queueName, mode, ...(job ? [JSON.stringify(job)] : [])];
  const child = execa(process.execPath, args, { cwd: root, reject: false, stdout: 'pipe', stderr: 'inherit', buffer: false });
  const lines: string[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  return {
    child,
    lines,
    async waitFor(prefix, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = lines.find((l) => l.startsWith(prefix));
        if (line) return line;
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`runner process never printed "${prefix}" (got: ${lines.join(' | ')})`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async kill9() {
      child.kill('SIGKILL');
      await child;
    },
  };
}
