import { createHash } from 'node:crypto';
import { ValidationError, type ExecutorContext } from '@iac-orchestrator/core';
import type { DeploymentMode, ResolvedOptions } from './options.js';

/** ARM's rule for deployment and resource group names: `^[-\w._()]+$`. */
const ARM_NAME = /^[-\w._()]+$/;
const MAX_DEPLOYMENT_NAME = 64;
const MAX_RESOURCE_GROUP = 90;

const short = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 8);
const sanitize = (s: string) => s.replace(/[^-\w.()]/g, '-');

/**
 * The ARM deployment name of one orchestrator deployment: `<prefix>-<deploymentId>`. Unique (the id
 * is) and traceable both ways: from the portal's deployment history back to the orchestrator's record.
 * Ids too long for ARM's 64 characters keep their start plus a hash of the whole id.
 */
export function deploymentNameFor(deploymentId: string, prefix: string): string {
  const name = sanitize(`${prefix}-${deploymentId}`);
  if (name.length <= MAX_DEPLOYMENT_NAME) return name;
  return `${name.slice(0, MAX_DEPLOYMENT_NAME - 9)}-${short(deploymentId)}`;
}

/**
 * The convention when no resource group is given: `<prefix>-<blueprintId>-<environment>`. A deployment
 * group's target is its own stack (own lock, own state lineage) and so gets its own resource group:
 * `<prefix>-<blueprintId>-<environment>-<target>-<hash of the stack key>` (the hash always there: two groups
 * may name a target alike in different regions, and a target must never take the plain deployment's group,
 * where a `Complete` deployment would delete the others' resources). A plain deployment's name is unchanged.
 */
export function conventionalResourceGroup(blueprintId: string, environment: string, prefix: string, groupTarget?: { target: string; stackKey: string }): string {
  const base = sanitize(`${prefix}-${blueprintId}-${environment}`).replace(/\.+$/, '');
  if (groupTarget) {
    const suffix = `-${short(groupTarget.stackKey)}`;
    return `${sanitize(`${base}-${groupTarget.target}`).slice(0, MAX_RESOURCE_GROUP - suffix.length)}${suffix}`;
  }
  if (base.length <= MAX_RESOURCE_GROUP) return base;
  return `${base.slice(0, MAX_RESOURCE_GROUP - 9)}-${short(base)}`;
}

/** Per-deployment settings (`options.executor` of the request), validated. */
export interface DeploymentSettings {
  resourceGroup: string;
  location: string | undefined;
  createResourceGroup: boolean;
  mode: DeploymentMode;
  /** Entry file of the bundle; default main.bicep, else main.json. */
  templateFile: string | undefined;
  deploymentName: string;
}

const KNOWN = ['resourceGroup', 'location', 'createResourceGroup', 'mode', 'templateFile'];

export function settingsOf(ctx: ExecutorContext, opts: ResolvedOptions): DeploymentSettings {
  const o = ctx.options ?? {};
  const field = (k: string) => `options.executor.${k}`;
  for (const k of Object.keys(o)) {
    if (!KNOWN.includes(k)) throw new ValidationError(`Unknown bicep option "${k}" (known: ${KNOWN.join(', ')})`, field(k));
  }
  const str = (k: string): string | undefined => {
    const v = o[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || !v) throw new ValidationError(`${k} must be a non-empty string`, field(k));
    return v;
  };
  const target = ctx.stack.target;
  if (target && (str('resourceGroup') ?? opts.resourceGroup) !== undefined) {
    // A group's options are shared by its targets: one named resource group would hold them all.
    throw new ValidationError('A resource group names one stack, but each target of a deployment group needs its own: leave resourceGroup out (targets get <prefix>-<blueprint>-<environment>-<target>-<hash>)', field('resourceGroup'));
  }
  const rg =
    str('resourceGroup') ??
    opts.resourceGroup ??
    conventionalResourceGroup(ctx.stack.blueprintId, ctx.stack.environment, opts.resourceGroupPrefix, target ? { target, stackKey: ctx.stackKey } : undefined);
  if (!ARM_NAME.test(rg) || rg.length > MAX_RESOURCE_GROUP || rg.endsWith('.')) {
    throw new ValidationError(`Invalid resource group name "${rg.slice(0, 100)}": 1-90 letters, digits, "-", "_", ".", "(" or ")", not ending in "."`, field('resourceGroup'));
  }
  // A group target's region is where its resource group goes, unless the request names a location.
  const location = str('location') ?? ctx.stack.region ?? opts.location;
  if (location !== undefined && !/^[a-z0-9]+$/i.test(location)) throw new ValidationError(`Invalid location "${location}"`, field('location'));
  const create = o.createResourceGroup;
  if (create !== undefined && typeof create !== 'boolean') throw new ValidationError('createResourceGroup must be a boolean', field('createResourceGroup'));
  const mode = str('mode') ?? opts.mode;
  if (mode !== 'Incremental' && mode !== 'Complete') throw new ValidationError('mode must be "Incremental" or "Complete"', field('mode'));
  const templateFile = str('templateFile');
  if (templateFile !== undefined && !/\.(bicep|json)$/.test(templateFile)) throw new ValidationError('templateFile must name a .bicep or .json file', field('templateFile'));
  return {
    resourceGroup: rg,
    location,
    createResourceGroup: (create as boolean | undefined) ?? opts.createResourceGroup,
    mode,
    templateFile,
    deploymentName: deploymentNameFor(ctx.deploymentId, opts.deploymentNamePrefix),
  };
}
