import { execa } from 'execa';
import type { Moto } from '../../../../test-support/moto.js';

/** Runs the real aws CLI against moto to look at what the executor did (test-side checks only). */
export async function awsJson<T = unknown>(moto: Moto, args: string[]): Promise<T> {
  const r = await execa('aws', [...args, '--output', 'json', '--endpoint-url', moto.endpoint], {
    env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...moto.env },
    extendEnv: false,
    reject: false,
  });
  if (r.exitCode !== 0) throw new Error(String(r.stderr));
  return (String(r.stdout).trim() ? JSON.parse(String(r.stdout)) : {}) as T;
}
