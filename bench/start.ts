/**
 * `npm start` → /health on an already built checkout, beside its floor: the bare built server
 * (`node packages/http-adapter/dist/cli.js serve`, what `npm start` runs once prepared). The gap is npm
 * itself plus the prepare step's install and build checks (issue 17's goal: about a second in all).
 * Builds first (`node scripts/prepare.mjs start`) so every counted round is a restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const root = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.env.BENCH_START_ROUNDS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Milliseconds from spawning `argv` until its /health answers 200; the process group is then stopped. */
async function toHealth(argv: string[], dataDir: string): Promise<number> {
  const t0 = performance.now();
  const child = execa(argv[0], argv.slice(1), { cwd: root, env: { PORT: '0', ORCHESTRATOR_DATA_DIR: dataDir, LOG_LEVEL: 'info' }, detached: true, reject: false, buffer: false });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
        if (m) resolve(m[1]);
      });
      void child.then((r) => reject(new Error(`${argv.join(' ')} exited (${r.exitCode}) before listening`)));
    });
    for (;;) {
      const r = await fetch(`${url}/health`).catch(() => null);
      if (r?.ok) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      /* gone */
    }
    await child;
  }
}

await execa('node', ['scripts/prepare.mjs', 'start'], { cwd: root, stdio: 'inherit' });
const dir = await mkdtemp(join(tmpdir(), 'bench-start-'));
try {
  const npmStart: number[] = [];
  const bare: number[] = [];
  await toHealth(['npm', 'start'], join(dir, 'warm')); // warm-up
  for (let i = 0; i < ROUNDS; i++) {
    npmStart.push(await toHealth(['npm', 'start'], join(dir, `n${i}`)));
    bare.push(await toHealth(['node', 'packages/http-adapter/dist/cli.js', 'serve'], join(dir, `b${i}`)));
  }
  const ms = (x: number) => Math.round(x);
  console.log(JSON.stringify({ bench: 'start/npm-start-to-health', rounds: ROUNDS, medianMs: ms(median(npmStart)), goalMs: 1000, floorBareServerMs: ms(median(bare)), ratioToFloor: +(median(npmStart) / median(bare)).toFixed(2) }));
} finally {
  await rm(dir, { recursive: true, force: true });
}
