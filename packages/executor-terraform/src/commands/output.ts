export interface OutputOptions {
  /** One output; all of them when unset. */
  name?: string;
}

/** `terraform output -json [name]`: outputs with their `sensitive` flag (values included, so mask them). */
export function buildOutputArgs(opts: OutputOptions = {}): string[] {
  if (opts.name !== undefined && !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(opts.name)) throw new RangeError(`invalid output name "${opts.name}"`);
  return ['output', '-json', '-no-color', ...(opts.name ? [opts.name] : [])];
}
