import pino, { type Logger } from 'pino';
import { Redactor, type OrchestratorLogger } from '@iac-orchestrator/core';
import type { ServiceConfig } from './config.js';

/** Paths pino blanks whatever their value: credentials that travel in headers. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'res.headers["set-cookie"]',
];

/**
 * The service's structured JSON logger. Header credentials are removed by path; the values of the
 * configured cloud credentials (the Slack signing secret, the notification secrets and subscription URLs) are masked wherever they appear (messages,
 * fields, error messages, stacks).
 */
export function createLogger(config: Pick<ServiceConfig, 'logLevel' | 'credentials'> & Partial<Pick<ServiceConfig, 'slack' | 'notifications'>>, destination?: pino.DestinationStream): { logger: Logger; redactor: Redactor } {
  const redactor = new Redactor();
  redactor.addEnv(config.credentials);
  // Never logged by the service; masked all the same should some message quote them (the orchestrator's own
  // redactor masks the notification secrets too).
  if (config.slack) redactor.add(config.slack.signingSecret);
  redactor.add(config.notifications?.secret);
  for (const s of config.notifications?.subscriptions ?? []) redactor.add(s.secret);
  // A configured subscription's URL may itself be the credential (a Slack webhook's path, a Teams `sig=`).
  for (const s of config.notifications?.subscriptions ?? []) redactor.add(s.url);
  const logger = pino(
    {
      level: config.logLevel,
      base: { service: 'iac-orchestrator' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '***' },
      serializers: {
        err: (e: Error) => redactor.redactValue(pino.stdSerializers.err(e)) as unknown as pino.SerializedError,
        // Request logs keep the path, never the query string's values (a token pasted there, a secret).
        // Fields named one by one: a request also carries the raw URL and the parsed query. Fastify's requests
        // log no headers (as before); a plain object logged as `req` keeps its (path-redacted) headers.
        req: (req: { method?: string; url?: string; id?: unknown; ip?: string; headers?: unknown; raw?: unknown }) => ({
          method: req.method,
          url: withoutQueryValues(req.url),
          id: req.id,
          remoteAddress: req.ip,
          ...(req.raw === undefined ? { headers: req.headers } : {}),
        }),
      },
      hooks: {
        logMethod(args, method) {
          const clean = args.map((a) => (typeof a === 'string' ? redactor.redact(a) : a && typeof a === 'object' && !(a instanceof Error) ? redactor.redactValue(a) : a));
          method.apply(this, clean as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
  return { logger, redactor };
}

/** `/path?a=1&token=x` → `/path?a=***&token=***`: the names stay readable, the values never reach a log. */
export function withoutQueryValues(url: string | undefined): string | undefined {
  if (!url) return url;
  const q = url.indexOf('?');
  if (q < 0) return url;
  const names = url
    .slice(q + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => `${pair.split('=')[0]}=***`);
  return `${url.slice(0, q)}?${names.join('&')}`;
}

/** The orchestrator's diagnostics, into the service log. */
export function orchestratorLogger(logger: Logger): OrchestratorLogger {
  const child = logger.child({ component: 'orchestrator' });
  return (level, message, fields) => child[level](fields ?? {}, message);
}
