// Runs argv on this terminal (stdio inherited, no shell) and writes its exit code to the file named by
// EXIT_FILE: tmux can show a pane dead before it has reaped the process and learnt its status.
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';

const [cmd, ...args] = process.argv.slice(2);
const r = await execa(cmd, args, { stdio: 'inherit', reject: false });
writeFileSync(process.env.EXIT_FILE, String(r.exitCode ?? 128));
