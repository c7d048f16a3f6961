import { NON_INTERACTIVE_FLAGS } from './defaults.js';

/** Shared flag helpers for the argv builders in `commands/`. Pure functions, no I/O. */

/** `-name=value` for a set value, nothing for undefined. */
export function flag(name: string, value: string | number | boolean | undefined): string[] {
  return value === undefined ? [] : [`-${name}=${String(value)}`];
}

/** `-name` when on, nothing otherwise. */
export function boolFlag(name: string, on: boolean | undefined): string[] {
  return on ? [`-${name}`] : [];
}

/** The flags every command that could prompt or colour its output receives. */
export function nonInteractive(): string[] {
  return [...NON_INTERACTIVE_FLAGS];
}

/** One `-var-file=` per file, in order (later files win, as in Terraform). */
export function varFiles(files: readonly string[] | undefined): string[] {
  return (files ?? []).map((f) => `-var-file=${f}`);
}

/** Validates a parallelism value before it reaches the CLI (Terraform rejects 0 and negatives late). */
export function parallelismFlag(parallelism: number | undefined): string[] {
  if (parallelism === undefined) return [];
  if (!Number.isInteger(parallelism) || parallelism < 1) throw new RangeError(`parallelism must be a positive integer, got ${parallelism}`);
  return flag('parallelism', parallelism);
}
