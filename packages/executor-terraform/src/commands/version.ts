/** `terraform version -json`: `{terraform_version, platform, ...}` (OpenTofu answers in the same shape). */
export function buildVersionArgs(): string[] {
  return ['version', '-json'];
}
