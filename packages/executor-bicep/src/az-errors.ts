import { ExecutorError, type Redactor } from '@iac-orchestrator/core';

/**
 * A failed `az` / `bicep` call. `azureCode` is Azure's error code (`InvalidTemplateDeployment`,
 * `AuthorizationFailed`, `ResourceGroupNotFound`...) when the CLI printed one. Messages are redacted.
 */
export class AzureCliError extends ExecutorError {
  readonly azureCode: string | null;
  readonly exitCode: number | null;
  constructor(message: string, opts: { azureCode?: string | null; exitCode?: number | null; command?: string; inner?: Array<{ code: string; message: string }> } = {}) {
    super(message, { toolCode: opts.azureCode ?? null, exitCode: opts.exitCode ?? null, command: opts.command, inner: opts.inner });
    this.azureCode = opts.azureCode ?? null;
    this.exitCode = opts.exitCode ?? null;
  }
}

interface AzureErrorBody {
  code: string | null;
  message: string;
  inner: Array<{ code: string; message: string }>;
}

const MAX_MESSAGE = 2_000;

/**
 * Reads Azure's code and message out of what az 2.x prints on stderr. The shapes it uses (see
 * azure-cli `resource/_utils.py` and azure-core's HttpResponseError):
 *  - `ERROR: {"code": "InvalidTemplateDeployment", "message": "..."}` then `Inner Errors: \n{...}` blocks;
 *  - `ERROR: InvalidTemplate - Deployment template validation failed: ...` (preflight errors);
 *  - `ERROR: (ResourceGroupNotFound) Resource group 'x' could not be found.\nCode: ...\nMessage: ...`;
 *  - `ERROR: {"status":"Failed","error":{"code":"DeploymentFailed",...}}` (a failed long-running call);
 *  - `ERROR: AADSTS7000215: Invalid client secret provided. ...` (sign-in, from MSAL);
 *  - plain `ERROR: Please run 'az login' to setup account.`
 */
export function parseAzureError(stderr: string): AzureErrorBody {
  const text = stderr.replace(/\r/g, '');
  const errorAt = text.indexOf('ERROR:');
  const body = (errorAt >= 0 ? text.slice(errorAt + 'ERROR:'.length) : text).trim();
  const inner: AzureErrorBody['inner'] = [];
  for (const m of body.matchAll(/Inner Errors: *\n(\{.*\})/g)) {
    const j = tryJson(m[1]);
    if (j && typeof j.code === 'string') inner.push({ code: j.code, message: String(j.message ?? '') });
  }
  const firstLine = body.split('\n')[0]?.trim() ?? '';
  const json = firstLine.startsWith('{') ? tryJson(firstLine) : null;
  if (json) {
    const e = (json.error && typeof json.error === 'object' ? json.error : json) as Record<string, unknown>;
    const details = Array.isArray(e.details) ? (e.details as Array<Record<string, unknown>>) : [];
    for (const d of details) if (typeof d.code === 'string') inner.push({ code: d.code, message: String(d.message ?? '') });
    return { code: typeof e.code === 'string' ? e.code : null, message: String(e.message ?? firstLine), inner };
  }
  // MSAL sign-in errors: `AADSTS7000215: Invalid client secret provided. ...`
  const aad = /^(AADSTS\d+):\s*(.*)$/.exec(firstLine);
  if (aad) return { code: aad[1], message: aad[2], inner };
  const paren = /^\(([\w.-]+)\)\s*(.*)$/.exec(firstLine);
  if (paren) return { code: paren[1], message: paren[2], inner };
  const dash = /^([A-Z][\w.]+) - (.*)$/.exec(firstLine);
  if (dash) {
    for (const line of body.split('\n').slice(1)) {
      const d = /^([A-Z][\w.]+) - (.*)$/.exec(line.trim());
      if (d) inner.push({ code: d[1], message: d[2] });
    }
    return { code: dash[1], message: dash[2], inner };
  }
  return { code: null, message: firstLine || body.split('\n').find((l) => l.trim()) || 'no error output', inner };
}

/** A typed error for a failed CLI call, with Azure's code and message and every secret masked. */
export function azureCliError(what: string, result: { stderr: string; exitCode: number | null }, redactor: Redactor): AzureCliError {
  const parsed = parseAzureError(result.stderr);
  const innerText = parsed.inner.map((i) => `${i.code}: ${i.message}`).join('; ');
  const head = parsed.code ? `${parsed.code}: ${parsed.message}` : parsed.message;
  const full = `${what} failed: ${head}${innerText ? ` (${innerText})` : ''}`;
  const message = redactor.redact(full.length > MAX_MESSAGE ? `${full.slice(0, MAX_MESSAGE)}…` : full);
  return new AzureCliError(message, {
    azureCode: parsed.code,
    exitCode: result.exitCode,
    command: what,
    inner: parsed.inner.map((i) => ({ code: i.code, message: redactor.redact(i.message) })),
  });
}

function tryJson(s: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(s);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
