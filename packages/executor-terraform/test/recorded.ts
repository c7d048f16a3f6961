import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('./fixtures/recorded/', import.meta.url));

/** A recording of real terraform output (see fixtures/recorded/record.ts). */
export const recorded = (name: string): string => readFileSync(dir + name, 'utf8');
export const recordedJson = <T = unknown>(name: string): T => JSON.parse(recorded(name)) as T;
export const recordedLines = (name: string): string[] => recorded(name).split('\n');
