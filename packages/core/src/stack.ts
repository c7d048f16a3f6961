import { createHash } from 'node:crypto';
import type { Bundle, KnownTargetCloud, StackRef, TargetCloud } from './types/domain.js';
import { ValidationError } from './errors.js';
import { assertNotReserved } from './reserved-files.js';

/**
 * The stack key: every deployment of the same blueprint, environment, cloud and format shares it. A
 * deployment group's target adds a fifth segment `<target>@<region>` (no other segment can hold a `/`, so
 * it never equals a plain key); a plain deployment's key is the four segments, as it always was.
 */
export function stackKeyOf(ref: StackRef): string {
  const base = [ref.blueprintId, ref.environment, ref.targetCloud, ref.format];
  if (ref.target === undefined && ref.region === undefined) return base.join('/');
  if (!ref.target || !ref.region) throw new ValidationError('A stack of a deployment group target needs both its target name and its region', 'target');
  return [...base, `${ref.target}@${ref.region}`].join('/');
}

/**
 * The environment variables that carry a target's region to the tool, by cloud: `AWS_REGION` and
 * `AWS_DEFAULT_REGION` for aws (the AWS provider and CLI), `GOOGLE_REGION` and `CLOUDSDK_COMPUTE_REGION` for
 * gcp (the google provider and gcloud). Azure has no such variable (a location is an argument of each
 * resource or resource group): pass it as a target variable. Other clouds get none.
 */
export function regionEnv(cloud: TargetCloud, region: string | null | undefined): Record<string, string> {
  if (!region) return {};
  if (cloud === 'aws') return { AWS_REGION: region, AWS_DEFAULT_REGION: region };
  if (cloud === 'gcp') return { GOOGLE_REGION: region, CLOUDSDK_COMPUTE_REGION: region };
  return {};
}

/** A stable UUID-shaped id for a stack's state lineage (the spec's `stateId`). */
export function stateIdOf(stackKey: string): string {
  const h = createHash('sha256').update(`state:${stackKey}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A short filesystem- and key-safe hash of a stack key. */
export function stackHash(stackKey: string): string {
  return createHash('sha256').update(stackKey).digest('hex').slice(0, 32);
}

/** Limits on a bundle's files; a bundle is IaC source, not a data store. */
export const BUNDLE_LIMITS = { maxFiles: 200, maxFileBytes: 1024 * 1024, maxTotalBytes: 5 * 1024 * 1024 } as const;

/** Validates one relative file path of a bundle: no absolute paths, no `..`, no odd characters. */
export function validateBundlePath(path: string): void {
  const field = `files.${path}`;
  if (!path || path.length > 200) throw new ValidationError(`Invalid file name "${path.slice(0, 50)}": must be 1-200 characters`, field);
  if (path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:/.test(path)) {
    throw new ValidationError(`Invalid file name "${path}": absolute paths are not allowed`, field);
  }
  const parts = path.split('/');
  if (parts.some((p) => p === '..' || p === '.' || p === '')) {
    throw new ValidationError(`Invalid file name "${path}": "..", "." and empty segments are not allowed`, field);
  }
  if (!/^[A-Za-z0-9_.\-/]+$/.test(path)) {
    throw new ValidationError(`Invalid file name "${path}": only letters, digits, "_", "-", "." and "/" are allowed`, field);
  }
  assertNotReserved(path);
}

/** Builds a content-addressed bundle after validating names and sizes. */
export function makeBundle(files: Record<string, string>): Bundle {
  const names = Object.keys(files).sort();
  if (names.length === 0) throw new ValidationError('The deployment has no IaC files', 'files');
  if (names.length > BUNDLE_LIMITS.maxFiles) throw new ValidationError(`Too many files (max ${BUNDLE_LIMITS.maxFiles})`, 'files');
  let total = 0;
  const hash = createHash('sha256');
  const sorted: Record<string, string> = {};
  for (const name of names) {
    validateBundlePath(name);
    const content = files[name];
    if (typeof content !== 'string') throw new ValidationError(`File "${name}" must be a string`, `files.${name}`);
    const bytes = Buffer.byteLength(content);
    if (bytes > BUNDLE_LIMITS.maxFileBytes) throw new ValidationError(`File "${name}" is larger than ${BUNDLE_LIMITS.maxFileBytes} bytes`, `files.${name}`);
    total += bytes;
    hash.update(`${name}\0${bytes}\0`).update(content).update('\0');
    sorted[name] = content;
  }
  if (total > BUNDLE_LIMITS.maxTotalBytes) throw new ValidationError(`Files total more than ${BUNDLE_LIMITS.maxTotalBytes} bytes`, 'files');
  return { digest: `sha256:${hash.digest('hex')}`, files: sorted };
}

/** Env var prefixes that belong to each cloud. */
const CLOUD_PREFIXES: Record<KnownTargetCloud, RegExp> = {
  aws: /^AWS_/,
  azure: /^(AZURE_|ARM_)/,
  gcp: /^(GCP_|GOOGLE_|CLOUDSDK_)/,
};

/**
 * The credentials of one target cloud out of the configured ones (never another cloud's): what an
 * executor receives as `ctx.env` unless it overrides `credentialEnv`.
 */
export function defaultCredentialEnv(cloud: TargetCloud, credentials: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  const prefixes = Object.hasOwn(CLOUD_PREFIXES, cloud) ? CLOUD_PREFIXES[cloud as KnownTargetCloud] : null;
  if (!prefixes) return out; // a cloud we know nothing of gets no credentials, rather than someone else's
  for (const [k, v] of Object.entries(credentials)) if (v !== undefined && prefixes.test(k)) out[k] = v;
  return out;
}
