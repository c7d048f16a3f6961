import { ValidationError } from '@iac-orchestrator/core';
import { digestOf } from './digest.js';

/** A parameter as an ARM template declares it. */
export interface TemplateParameter {
  type: string;
  defaultValue?: unknown;
}

/** Parameters declared by a template (`parameters` section), keyed by name. */
export function templateParameters(template: Record<string, unknown>): Record<string, TemplateParameter> {
  const p = template.parameters;
  return p && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, TemplateParameter>) : {};
}

/** `@secure()` in Bicep compiles to these ARM types; their values never show anywhere. */
export const isSecureType = (type: unknown): boolean => typeof type === 'string' && /^secure(string|object)$/i.test(type);

/** The parameters file of a deployment, the secret values in it and its digest. */
export interface ParametersFile {
  /** `deploymentParameters.json` document: `{"$schema", "contentVersion", "parameters": {name: {value}}}`. */
  document: Record<string, unknown>;
  /** String values of secure parameters (and their string leaves), to register with `ctx.secret`. */
  secrets: string[];
  /** Digest of the document: what apply checks against the plan. */
  digest: string;
}

const SCHEMA = 'https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#';

/**
 * Builds the JSON parameters file from the deployment's variables. Values are JSON values placed in a
 * JSON document (never string-built into code or an argv). A variable the template does not declare,
 * or a declared parameter with neither a value nor a default, is a {@link ValidationError}.
 */
export function buildParameters(template: Record<string, unknown>, variables: Record<string, unknown>, sensitive: string[] = []): ParametersFile {
  const defs = templateParameters(template);
  const names = Object.keys(defs);
  const parameters: Record<string, { value: unknown }> = {};
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(variables)) {
    const def = defs[name] ?? defs[Object.keys(defs).find((n) => n.toLowerCase() === name.toLowerCase()) ?? ''];
    if (!def) {
      throw new ValidationError(
        `Variable "${name}" is not a parameter of the template (parameters: ${names.join(', ') || 'none'})`,
        `options.variables.${name}`,
      );
    }
    parameters[name] = { value };
    if (isSecureType(def.type) || sensitive.includes(name)) collectStrings(value, secrets);
  }
  for (const [name, def] of Object.entries(defs)) {
    const given = Object.keys(parameters).some((n) => n.toLowerCase() === name.toLowerCase());
    if (!given && !('defaultValue' in def)) {
      throw new ValidationError(`Template parameter "${name}" has no value and no default`, `options.variables.${name}`);
    }
  }
  const document = { $schema: SCHEMA, contentVersion: '1.0.0.0', parameters };
  return { document, secrets, digest: digestOf(document) };
}

function collectStrings(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
  else if (Array.isArray(v)) v.forEach((x) => collectStrings(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => collectStrings(x, out));
}
