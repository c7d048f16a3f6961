import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '@iac-orchestrator/core';
import type { TemplateSummaryParameter } from './commands/get-template-summary.js';

/** One entry of a CloudFormation parameter file. */
export type StackParameter = { ParameterKey: string; ParameterValue: string } | { ParameterKey: string; UsePreviousValue: true };

/** A template parameter as `get-template-summary` declares it. */
export type DeclaredParameter = TemplateSummaryParameter;

/** Turns one variable into CloudFormation's string form; lists become CommaDelimitedList values. */
export function parameterValue(name: string, v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) {
    if (v.some((x) => String(x).includes(','))) {
      throw new ValidationError(`Variable "${name}": list items cannot contain a comma (CommaDelimitedList)`, `options.variables.${name}`);
    }
    return v.map(String).join(',');
  }
  throw new ValidationError(
    `Variable "${name}" must be a string, number, boolean or list of them to be a CloudFormation parameter`,
    `options.variables.${name}`,
  );
}

export interface ParameterPlan {
  parameters: StackParameter[];
  /** Values of NoEcho parameters: registered as secrets, masked in stored state. */
  secretValues: string[];
  noEchoKeys: string[];
}

/**
 * The parameters of a change set: every declared parameter the variables give a value; a declared one
 * without a value keeps its default, or (on an update) the stack's previous value; a variable the template
 * does not declare is an error (CloudFormation would reject it, later and less clearly).
 */
export function planParameters(
  declared: DeclaredParameter[],
  variables: Record<string, unknown>,
  previousKeys: readonly string[],
): ParameterPlan {
  const known = new Set(declared.map((p) => p.ParameterKey));
  const unknown = Object.keys(variables).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new ValidationError(`The template declares no parameter named ${unknown.map((k) => `"${k}"`).join(', ')}`, 'options.variables');
  }
  const parameters: StackParameter[] = [];
  const secretValues: string[] = [];
  const missing: string[] = [];
  for (const p of declared) {
    const key = p.ParameterKey;
    if (key in variables) {
      const value = parameterValue(key, variables[key]);
      parameters.push({ ParameterKey: key, ParameterValue: value });
      if (p.NoEcho) secretValues.push(value);
    } else if (p.DefaultValue === undefined) {
      if (previousKeys.includes(key)) parameters.push({ ParameterKey: key, UsePreviousValue: true });
      else missing.push(key);
    }
  }
  if (missing.length > 0) {
    throw new ValidationError(`Template parameter(s) ${missing.map((k) => `"${k}"`).join(', ')} need a value: set them in options.variables`, 'options.variables');
  }
  return { parameters, secretValues, noEchoKeys: declared.filter((p) => p.NoEcho).map((p) => p.ParameterKey) };
}

/** Writes the JSON parameter file (mode 0600: it may hold NoEcho values) and returns its path. */
export function writeParameterFile(workDir: string, parameters: StackParameter[]): string {
  const path = join(workDir, 'parameters.json');
  writeFileSync(path, JSON.stringify(parameters, null, 2), { mode: 0o600 });
  return path;
}

/** Parameters as they may be stored: NoEcho values never leave, a redeploy reuses the stack's value. */
export function storableParameters(parameters: StackParameter[], noEchoKeys: readonly string[]): StackParameter[] {
  return parameters.map((p) => (noEchoKeys.includes(p.ParameterKey) ? { ParameterKey: p.ParameterKey, UsePreviousValue: true as const } : p));
}
