/**
 * Another runner, in its own process: `node --import tsx runner-process.ts <url> <queueName> <mode> [job JSON]`.
 * Prints one line per event on stdout (`ready`, `started <id> <attempt>`, `ended <id>`, `aborted <id> <reason>`,
 * `stalled <id> <attempt>`), each ending with ` @<epoch ms>`.
 * Mode `hang`: enqueues the given job and never finishes it (the test kills this process with SIGKILL).
 * Mode `work`: runs jobs for ~50 ms each until killed or sent SIGTERM (then closes with a 5 s grace).
 */
import { BullMqJobQueue } from '../../src/index.js';

const [url, queueName, mode, jobJson] = process.argv.slice(2);
// Each line carries the time, so a test can check that jobs of one group never overlapped across processes.
const say = (line: string): void => void process.stdout.write(`${line} @${Date.now()}\n`);
const queue = new BullMqJobQueue({ url: url!, queueName, lockDurationMs: 2000, stalledIntervalMs: 1000 });

await queue.process(
  async (job, ctx) => {
    say(`started ${job.id} ${ctx.attempt}`);
    if (mode === 'hang') return new Promise<void>(() => undefined);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 50);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        say(`aborted ${job.id} ${String(ctx.signal.reason)}`);
        resolve();
      });
    });
    say(`ended ${job.id}`);
  },
  { concurrency: 2, onStalled: async (s) => say(`stalled ${s.job.id} ${s.attempt}`) },
);
if (jobJson) await queue.enqueue(JSON.parse(jobJson));
process.on('SIGTERM', () => void queue.close({ graceMs: 5000 }).then(() => process.exit(0)));
say('ready');
