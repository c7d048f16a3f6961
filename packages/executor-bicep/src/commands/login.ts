import { NO_OUTPUT } from './flags.js';

/**
 * `az login --service-principal`. The client secret is NOT in the argv: `--password @-` makes az read
 * it from stdin (az expands any argument of the form `@<file>` before parsing, and `@-` means stdin;
 * see azure-cli-core `_expand_file_prefixed_files`). So it never shows in `ps`, /proc/<pid>/cmdline
 * or a log of the command line, and is never written to disk by us. It also spares secrets starting
 * with "-", which az's parser takes for a flag (Azure/azure-cli#12105). `--username` / `--password`
 * stay the documented flags for a client secret in later versions (Azure/azure-cli#30283: 2.67 only
 * moved certificates to `--certificate`).
 */
export function buildLoginArgs(opts: { clientId: string; tenantId: string }): string[] {
  return ['login', '--service-principal', '--username', opts.clientId, '--password', '@-', '--tenant', opts.tenantId, ...NO_OUTPUT];
}

/** `az login --identity`, for a managed identity (no secret at all); `clientId` picks a user-assigned one. */
export function buildManagedIdentityLoginArgs(opts: { clientId?: string } = {}): string[] {
  return ['login', '--identity', ...(opts.clientId ? ['--username', opts.clientId] : []), ...NO_OUTPUT];
}
