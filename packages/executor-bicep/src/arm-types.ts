/** The parts of `az deployment group show` / `operation group list` output the executor reads
 * (az prints the SDK models camelCased; see test/fixtures/az-output for recorded examples). */
export interface ArmError {
  code?: string | null;
  message?: string | null;
  details?: ArmError[] | null;
}

export interface DeploymentRecord {
  id?: string;
  name?: string;
  properties?: {
    provisioningState?: string;
    correlationId?: string;
    timestamp?: string;
    duration?: string;
    mode?: string;
    templateHash?: string;
    outputs?: Record<string, { type?: string; value?: unknown }> | null;
    parameters?: Record<string, { type?: string; value?: unknown; reference?: unknown }> | null;
    outputResources?: Array<{ id?: string }> | null;
    dependencies?: Array<{ id?: string; resourceType?: string; resourceName?: string; dependsOn?: Array<{ id?: string }> | null }> | null;
    error?: ArmError | null;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export interface DeploymentOperation {
  id?: string;
  operationId?: string;
  properties?: {
    provisioningOperation?: string;
    provisioningState?: string;
    timestamp?: string;
    statusCode?: string;
    statusMessage?: { status?: string | null; error?: ArmError | null } | null;
    targetResource?: { id?: string; resourceName?: string; resourceType?: string } | null;
  };
}

/** Deployment states after which ARM changes nothing more. */
export const TERMINAL_STATES = ['Succeeded', 'Failed', 'Canceled'];

/** "Code: message (Inner: message; ...)" of an ARM error tree. */
export function describeArmError(e: ArmError | null | undefined): string {
  if (!e) return 'unknown error';
  const inner: string[] = [];
  const walk = (d: ArmError[] | null | undefined) => {
    for (const x of d ?? []) {
      inner.push(`${x.code ?? 'Error'}: ${x.message ?? ''}`);
      walk(x.details);
    }
  };
  walk(e.details);
  return `${e.code ?? 'Error'}: ${e.message ?? ''}${inner.length ? ` (${inner.join('; ')})` : ''}`;
}
