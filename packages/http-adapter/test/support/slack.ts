import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { slackDecisionValue, type PlannedDeployment } from '@iac-orchestrator/core';
import { slackSignature } from '../../src/slack/signature.js';

/** A test signing secret (what the Slack app's "Signing Secret" would be). */
export const SLACK_SECRET = 'slack-signing-secret-for-tests-8f2e1c';

/** A test notifications secret (ORCHESTRATOR_NOTIFY_SECRET): keys the buttons' values. */
export const NOTIFY_SECRET = 'notify-secret-for-slack-tests-5a7d0b';

/** The Slack settings variables of the tests (signing secret and the notifications secret the buttons need). */
export const SLACK_ENV = { SLACK_SIGNING_SECRET: SLACK_SECRET, ORCHESTRATOR_NOTIFY_SECRET: NOTIFY_SECRET } as const;

/** The button value the service's notification carries for `d` (a record as read from the API or core). */
export const buttonValue = (d: PlannedDeployment): string => slackDecisionValue(NOTIFY_SECRET, d);

/** The form body Slack posts for a click on one of the notification's buttons; `value` is the button's. */
export function slackActionBody(opts: { action: 'deployment.approve' | 'deployment.reject' | string; value: string; userId: string; userName?: string; teamId?: string; responseUrl: string }): string {
  const payload = {
    type: 'block_actions',
    user: { id: opts.userId, username: opts.userName ?? 'someone', name: opts.userName ?? 'someone', team_id: opts.teamId ?? 'T0TEST' },
    api_app_id: 'A0TEST',
    team: { id: opts.teamId ?? 'T0TEST', domain: 'example' },
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0TEST' },
    channel: { id: 'C0TEST', name: 'deploys' },
    trigger_id: '123.456.abc',
    response_url: opts.responseUrl,
    // Characters a form encoding escapes, so the raw bytes differ from any re-serialisation.
    message: { text: 'Deployment awaiting approval: +2 ~0 -0 (prod & co) 100%' },
    actions: [{ action_id: opts.action, block_id: 'decide', type: 'button', value: opts.value, action_ts: '1700000001.000200' }],
  };
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** Posts `body` to the Slack actions route as Slack would: signed at `timestamp` with `secret`. */
export async function postSlack(url: string, body: string, opts: { secret?: string; timestamp?: number; signature?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any; text: string }> {
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': ts,
    'x-slack-signature': opts.signature ?? slackSignature(opts.secret ?? SLACK_SECRET, ts, body),
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    ...opts.headers,
  };
  const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, text };
}

/** A local stand-in for Slack's response_url endpoint: records every JSON message posted to it. */
export class ResponseUrlReceiver {
  readonly messages: Array<{ path: string; body: any }> = [];
  private server: Server | null = null;
  private waiters: Array<() => void> = [];
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.messages.push({ path: req.url ?? '/', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        for (const w of this.waiters.splice(0)) w();
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this;
  }

  /** The message posted to `path` (waits for it; Slack answers arrive after the HTTP response). */
  async messageTo(path: string): Promise<any> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const m = this.messages.find((x) => x.path === path);
      if (m) return m.body;
      if (Date.now() > deadline) throw new Error(`no message posted to ${path}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 500);
      });
    }
  }

  async close(): Promise<void> {
    await new Promise((r) => this.server?.close(r));
  }
}
