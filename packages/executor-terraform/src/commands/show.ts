export interface ShowOptions {
  /** A saved plan or a state file; without it, the current state. */
  path?: string;
}

/** `terraform show -json [path]`: a saved plan's changes, or a state with its `sensitive_values`. */
export function buildShowArgs(opts: ShowOptions = {}): string[] {
  // `show` takes no -input flag (it never prompts).
  return ['show', '-json', '-no-color', ...(opts.path ? [opts.path] : [])];
}
