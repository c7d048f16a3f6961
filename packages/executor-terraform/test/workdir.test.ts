import { describe, expect, it } from 'vitest';
import { ValidationError, makeBundle } from '@iac-orchestrator/core';
import { hasOwnBackend, validateBundleFiles } from '../src/workdir.js';

describe('bundle checks', () => {
  it('finds a backend or cloud block, not one in a comment', () => {
    expect(hasOwnBackend(makeBundle({ 'main.tf': 'terraform {\n  backend "s3" {\n    bucket = "b"\n  }\n}\n' }))).toBe(true);
    expect(hasOwnBackend(makeBundle({ 'main.tf': 'terraform {\n  cloud {\n    organization = "o"\n  }\n}\n' }))).toBe(true);
    expect(hasOwnBackend(makeBundle({ 'main.tf.json': '{"terraform":{"backend":{"local":{}}}}' }))).toBe(true);
    expect(hasOwnBackend(makeBundle({ 'main.tf': '# backend "s3" {\n/* backend "gcs" { */\nresource "terraform_data" "x" {}\n' }))).toBe(false);
  });

  it('refuses names that pose as Terraform state or its .terraform dir', () => {
    for (const bad of ['terraform.tfstate', 'errored.tfstate', 'old/prod.tfstate', '.terraform/providers/x', 'terraform.tfstate.d/dev/terraform.tfstate']) {
      expect(() => validateBundleFiles({ digest: 'x', files: { [bad]: '' } })).toThrow(ValidationError);
    }
    expect(() => validateBundleFiles({ digest: 'x', files: { '/etc/passwd': '' } })).toThrow(/absolute/);
    expect(() => validateBundleFiles({ digest: 'x', files: { 'a/../../b.tf': '' } })).toThrow(ValidationError);
    expect(() => validateBundleFiles(makeBundle({ 'main.tf': '', 'modules/net/main.tf': '', '.terraform.lock.hcl': '' }))).not.toThrow();
  });
});
