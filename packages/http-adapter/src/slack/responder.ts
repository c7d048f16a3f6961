import type { FastifyBaseLogger } from 'fastify';

/** Where Slack's `response_url`s live; other prefixes only when configured (SLACK_RESPONSE_URL_PREFIXES). */
export const SLACK_RESPONSE_URL_PREFIX = 'https://hooks.slack.com/';

/** A message posted to a `response_url` (Slack's message payload, the fields used here). */
export interface SlackResponseMessage {
  response_type?: 'ephemeral' | 'in_channel';
  replace_original: boolean;
  text: string;
  blocks?: unknown[];
}

const POST_TIMEOUT_MS = 5_000;

/**
 * Posts answers to the `response_url` of an interaction, after the HTTP answer (Slack wants that within
 * 3 s). Only to Slack's host or a configured prefix: the URL comes from the request, and the service must
 * not be made to post to arbitrary addresses. Redirects are not followed. Neither the URL (it grants
 * posting to the channel) nor the answer's body is logged.
 */
export class SlackResponder {
  private readonly prefixes: string[];
  private readonly pending = new Set<Promise<void>>();

  constructor(extraPrefixes: readonly string[] = []) {
    this.prefixes = [SLACK_RESPONSE_URL_PREFIX, ...extraPrefixes];
  }

  /** Whether the service may post to `url`. */
  allows(url: string): boolean {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return false;
    }
    if (u.username || u.password || (u.protocol !== 'https:' && u.protocol !== 'http:')) return false;
    return this.prefixes.some((p) => u.href.startsWith(p));
  }

  /** Sends `message` in the background; a refused URL is skipped (and said so in the log). */
  send(url: string | null, message: SlackResponseMessage, log: FastifyBaseLogger): void {
    if (url === null) return;
    if (!this.allows(url)) {
      log.warn('Slack response_url is not on hooks.slack.com nor a configured prefix: not posted');
      return;
    }
    const p = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
      redirect: 'error',
      signal: AbortSignal.timeout(POST_TIMEOUT_MS),
    }).then(
      (res) => {
        if (!res.ok) log.warn({ status: res.status }, 'Slack response_url answered with an error');
        void res.body?.cancel();
      },
      (e: unknown) => log.warn({ reason: e instanceof Error ? e.name : 'error' }, 'Slack response_url post failed'),
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Waits for the posts under way (at close). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}

/** Normalises a configured prefix: an http(s) URL whose path ends with `/`, so `https://a.example` cannot
 * match `https://a.example.evil`. Throws on anything else. */
export function responseUrlPrefixOf(raw: string): string {
  const u = new URL(raw);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('must be an http(s) URL');
  if (u.username || u.password || u.search || u.hash) throw new Error('must not carry credentials, a query or a fragment');
  return u.href.endsWith('/') ? u.href : `${u.href}/`;
}
