/**
 * Flags shared by every `aws cloudformation` step. Non-interactive output is always asked for: JSON on
 * stdout, no colour. The pager is switched off through the env (`AWS_PAGER=''`) because CLI v1 has no
 * `--no-cli-pager` flag and would reject it.
 */
export interface GlobalOptions {
  /** `AWS_ENDPOINT_URL` of the deployment, passed as a flag too so a CLI older than the env var's support
   * (v1 < 1.29, v2 < 2.13) can never silently talk to the real AWS instead of the configured endpoint. */
  endpointUrl?: string;
  /** Region; the env carries it too (`AWS_DEFAULT_REGION`). */
  region?: string;
}

export function globalFlags(g: GlobalOptions = {}): string[] {
  const out = ['--output', 'json', '--color', 'off'];
  if (g.region) out.push('--region', g.region);
  if (g.endpointUrl) out.push('--endpoint-url', g.endpointUrl);
  return out;
}

/** `file://` URL of a file in the work dir: the CLI reads JSON and templates from files, never from argv. */
export function fileUrl(path: string): string {
  return `file://${path}`;
}

/** The argv of one `aws cloudformation <step>`. */
export function cfn(step: string, flags: string[], g: GlobalOptions | undefined): string[] {
  return ['cloudformation', step, ...flags, ...globalFlags(g)];
}
