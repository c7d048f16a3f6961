import type { RunHost } from '../orchestrator/host.js';

/**
 * The host a single run sees: the same store, options and events, but its own masking scope on top of
 * the service's credentials. Secrets the run loads or an executor reports go into that scope, mask this
 * run's logs, errors, events and service-log lines, and are dropped with the run, so the process-wide
 * registry holds only the credentials, and one run's secret set never grows another's matcher.
 */
export function runScopedHost(host: RunHost): RunHost {
  const redactor = host.redactor.child();
  return {
    ...host,
    redactor,
    logger: (level, message, fields) => host.logger(level, redactor.redact(message), fields && redactor.redactValue(fields)),
  };
}
