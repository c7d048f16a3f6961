import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError, type Bundle } from '@iac-orchestrator/core';
import { TEMPLATE_BODY_MAX_BYTES } from './defaults.js';

/** File names tried in order; a bundle with one file uses that file whatever its name. */
export const TEMPLATE_NAMES = ['template.yaml', 'template.yml', 'template.json'] as const;

export interface Template {
  /** Name in the bundle. */
  fileName: string;
  body: string;
  /** sha256 of the body: the artifact carries it, apply refuses a bundle that differs. */
  digest: string;
}

/** Picks the template out of the bundle. */
export function templateOf(bundle: Bundle): Template {
  const names = Object.keys(bundle.files);
  const fileName = TEMPLATE_NAMES.find((n) => n in bundle.files) ?? (names.length === 1 ? names[0] : undefined);
  if (!fileName) {
    throw new ValidationError(`No CloudFormation template in the bundle: expected ${TEMPLATE_NAMES.join(', ')} or a single file`, 'files');
  }
  const body = bundle.files[fileName];
  if (!body.trim()) throw new ValidationError(`The template ${fileName} is empty`, `files.${fileName}`);
  if (Buffer.byteLength(body) > TEMPLATE_BODY_MAX_BYTES) {
    throw new ValidationError(
      `The template ${fileName} is larger than ${TEMPLATE_BODY_MAX_BYTES} bytes, the limit of an inline template body (templates in S3 are not supported)`,
      `files.${fileName}`,
    );
  }
  return { fileName, body, digest: templateDigest(body) };
}

export function templateDigest(body: string): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/** Writes the template into the work dir (the CLI reads it through `file://`); returns its path. */
export function writeTemplate(workDir: string, t: Template): string {
  const ext = t.fileName.endsWith('.json') ? 'json' : 'yaml';
  const path = join(workDir, `template.${ext}`);
  writeFileSync(path, t.body, { mode: 0o600 });
  return path;
}
