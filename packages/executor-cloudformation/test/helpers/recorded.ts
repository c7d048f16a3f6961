import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** One call recorded from moto by fixtures/record.ts. */
export interface Recorded<T = unknown> {
  argv: string[];
  exitCode: number;
  stdout: T;
  stderr: string;
}

export function recorded<T = unknown>(name: string): Recorded<T> {
  return JSON.parse(readFileSync(join(here, '..', 'fixtures', 'recorded', `${name}.json`), 'utf8')) as Recorded<T>;
}
