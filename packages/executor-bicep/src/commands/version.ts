/** `az version --output json`: `{"azure-cli": "2.45.0", ...}`. */
export function buildAzVersionArgs(): string[] {
  return ['version', '--output', 'json'];
}

/** `bicep --version`: `Bicep CLI version 0.24.24 (...)`. */
export function buildBicepVersionArgs(): string[] {
  return ['--version'];
}
