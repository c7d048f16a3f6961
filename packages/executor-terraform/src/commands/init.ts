import { boolFlag, nonInteractive } from '../options.js';

export interface InitOptions {
  /** Configure the bundle's backend (default true). False skips it, e.g. for a plan file that carries it. */
  backend?: boolean;
  /** Refuse to change `.terraform.lock.hcl`: used at apply time so the providers are the planned ones. */
  lockfileReadonly?: boolean;
  /** Re-read the backend configuration, ignoring what an earlier init saved. */
  reconfigure?: boolean;
  /** Newest provider versions allowed by the constraints instead of the locked ones. */
  upgrade?: boolean;
}

/** `terraform init`: installs providers (from the CLI config's mirrors / plugin cache) and the backend. */
export function buildInitArgs(opts: InitOptions = {}): string[] {
  return [
    'init',
    ...nonInteractive(),
    ...(opts.backend === false ? ['-backend=false'] : []),
    ...(opts.lockfileReadonly ? ['-lockfile=readonly'] : []),
    ...boolFlag('reconfigure', opts.reconfigure),
    ...boolFlag('upgrade', opts.upgrade),
  ];
}
