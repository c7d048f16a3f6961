import { describe, expect, it } from 'vitest';
import { parseApiTokens } from '../src/auth.js';
import { Writable } from 'node:stream';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { authorizeSlackUser, parseSlackApprovers, SlackApproversError } from '../src/slack/approvers.js';
import { SlackResponder } from '../src/slack/responder.js';
import { slackSettingsOf } from '../src/slack/settings.js';
import { slackSignature, verifySlackRequest } from '../src/slack/signature.js';

/** Slack's own example of "Verifying requests from Slack" (a slash command body, its documented signature). */
const DOC = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: '1531420618',
  body: 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};
const headers = (signature: string, timestamp = DOC.timestamp) => ({ 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp });
const now = Number(DOC.timestamp);

describe('Slack request signing', () => {
  it("reproduces Slack's documented signature and accepts it within 5 minutes", () => {
    expect(slackSignature(DOC.secret, DOC.timestamp, DOC.body)).toBe(DOC.signature);
    expect(() => verifySlackRequest(DOC.secret, headers(DOC.signature), Buffer.from(DOC.body), now + 300)).not.toThrow();
    expect(() => verifySlackRequest(DOC.secret, headers(DOC.signature), Buffer.from(DOC.body), now - 300)).not.toThrow();
  });

  it('refuses a stale or future timestamp, a changed body, another secret and malformed headers (401, naming why)', () => {
    const verify = (h: Record<string, string>, body = DOC.body, secret = DOC.secret, at = now) => () => verifySlackRequest(secret, h, Buffer.from(body), at);
    expect(verify(headers(DOC.signature), DOC.body, DOC.secret, now + 301)).toThrow(/more than 5 minutes/);
    expect(verify(headers(DOC.signature), DOC.body, DOC.secret, now - 301)).toThrow(/more than 5 minutes/);
    expect(verify(headers(DOC.signature), `${DOC.body}&x=1`)).toThrow(/does not match the body/);
    expect(verify(headers(DOC.signature), DOC.body, 'another-secret-0000')).toThrow(/does not match/);
    expect(verify(headers(DOC.signature.toUpperCase()))).toThrow(/does not match/);
    expect(verify(headers('v1=abc'))).toThrow(/does not match/);
    expect(verify(headers(DOC.signature, '1531420618.5'))).toThrow(/not a Unix time/);
    expect(verify({ 'x-slack-request-timestamp': DOC.timestamp })).toThrow(/signature missing/);
    let thrown: unknown = null;
    try {
      verify(headers('v0=' + '0'.repeat(64)))();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((thrown as Error).message).not.toContain(DOC.signature.slice(3));
    expect((thrown as Error).message).not.toContain(DOC.secret);
  });
});

describe('SLACK_APPROVERS', () => {
  const tokens = parseApiTokens('alice:approver:alice-token-0123456789,carol:deployer:carol-token-0123456789');

  it('reads the list form and the JSON form alike', () => {
    const list = parseSlackApprovers('U0ALICE:alice, T0ACME/U0BOB:bob:admin ,U0CAROL:carol');
    const json = parseSlackApprovers(JSON.stringify([{ userId: 'U0ALICE', principal: 'alice' }, { userId: 'U0BOB', teamId: 'T0ACME', principal: 'bob', role: 'admin' }, { userId: 'U0CAROL', principal: 'carol' }]));
    expect(list).toEqual([
      { userId: 'U0ALICE', principal: 'alice' },
      { userId: 'U0BOB', teamId: 'T0ACME', principal: 'bob', role: 'admin' },
      { userId: 'U0CAROL', principal: 'carol' },
    ]);
    expect(json).toEqual(list);
    expect(parseSlackApprovers('')).toEqual([]);
  });

  it('refuses malformed entries, naming the entry', () => {
    expect(() => parseSlackApprovers('U0ALICE')).toThrow(/entry 1: principal/);
    expect(() => parseSlackApprovers('U0ALICE:alice,U0BOB:bob:boss')).toThrow(/entry 2: role/);
    expect(() => parseSlackApprovers('u-lower:alice')).toThrow(/entry 1: userId/);
    expect(() => parseSlackApprovers('U0ALICE:alice,U0ALICE:bob')).toThrow(/mapped twice/);
    expect(() => parseSlackApprovers('[{"userId":"U0A","principal":"a","extra":1}]')).toThrow(SlackApproversError);
    expect(() => parseSlackApprovers('[nope')).toThrow(/not valid JSON/);
  });

  it('lets only mapped approvers act: role of the entry, else of the token of that name; a team-bound entry only from its team', () => {
    const approvers = parseSlackApprovers('U0ALICE:alice,T0ACME/U0BOB:bob:admin,U0CAROL:carol,U0DAN:dan,U0ERIN:erin:viewer');
    const who = (userId: string, teamId: string | null = 'T0ACME') => authorizeSlackUser(approvers, tokens, { userId, teamId });
    expect(who('U0ALICE')).toEqual({ principal: { name: 'alice', role: 'approver' } });
    expect(who('U0BOB')).toEqual({ principal: { name: 'bob', role: 'admin' } });
    expect(who('U0BOB', 'T0OTHER')).toEqual({ refused: expect.stringMatching(/not mapped/) });
    expect(who('U0CAROL')).toEqual({ refused: expect.stringMatching(/carol, who does not have the approver role/) });
    expect(who('U0DAN')).toEqual({ refused: expect.stringMatching(/dan, who does not have the approver role/) }); // no token, no role
    expect(who('U0ERIN')).toEqual({ refused: expect.stringMatching(/erin, who does not have the approver role/) });
    expect(who('U0NOBODY')).toEqual({ refused: expect.stringMatching(/not mapped/) });
  });
});

describe('response_url allow-list', () => {
  it('posts only to https://hooks.slack.com/ and configured prefixes', () => {
    const r = new SlackResponder(['http://127.0.0.1:8123/slack/']);
    expect(r.allows('https://hooks.slack.com/actions/T0/1/abc')).toBe(true);
    expect(r.allows('http://127.0.0.1:8123/slack/x')).toBe(true);
    for (const bad of ['http://hooks.slack.com/actions/x', 'https://hooks.slack.com.evil.example/x', 'https://evil@hooks.slack.com/x', 'https://hooks.slack.com:8443/x', 'http://127.0.0.1:8123/other', 'http://127.0.0.1:81234/slack/', 'file:///etc/passwd', 'not a url']) {
      expect(r.allows(bad), bad).toBe(false);
    }
  });
});

describe('Slack configuration', () => {
  const secret = 'slack-signing-secret-in-config-7d1e';

  const notifySecret = 'notify-secret-in-config-0c4f9a2e';

  it('is off without SLACK_SIGNING_SECRET, and on with the approvers, prefixes, buttons\' key and public URL read', () => {
    expect(loadConfig({}).slack).toBeNull();
    const c = loadConfig({ SLACK_SIGNING_SECRET: secret, ORCHESTRATOR_NOTIFY_SECRET: notifySecret, SLACK_APPROVERS: 'U0ALICE:alice:approver', SLACK_RESPONSE_URL_PREFIXES: 'http://127.0.0.1:9000' });
    expect(c.slack).toEqual({ signingSecret: secret, notificationsSecret: notifySecret, approvers: [{ userId: 'U0ALICE', principal: 'alice', role: 'approver' }], responseUrlPrefixes: ['http://127.0.0.1:9000/'] });
    expect(loadConfig({ SLACK_SIGNING_SECRET: secret, ORCHESTRATOR_NOTIFY_SECRET: notifySecret, ORCHESTRATOR_PUBLIC_URL: 'https://iac.example.com' }).slack).toMatchObject({ publicUrl: 'https://iac.example.com' });
  });

  it('refuses settings it cannot use safely, never quoting the secret', () => {
    const refusal = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as Error).message).not.toContain(secret);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refusal({ SLACK_APPROVERS: 'U0ALICE:alice' })).toMatch(/SLACK_SIGNING_SECRET is not/);
    expect(refusal({ SLACK_SIGNING_SECRET: 'short', ORCHESTRATOR_NOTIFY_SECRET: notifySecret })).toMatch(/at least 16 characters/);
    // the buttons' values are keyed with the notifications secret: no Slack approvals without it
    expect(refusal({ SLACK_SIGNING_SECRET: secret })).toMatch(/SLACK_SIGNING_SECRET needs ORCHESTRATOR_NOTIFY_SECRET/);
    const s = { SLACK_SIGNING_SECRET: secret, ORCHESTRATOR_NOTIFY_SECRET: notifySecret };
    expect(refusal({ ...s, SLACK_APPROVERS: 'U0ALICE' })).toMatch(/SLACK_APPROVERS entry 1/);
    expect(refusal({ ...s, SLACK_RESPONSE_URL_PREFIXES: 'ftp://x/' })).toMatch(/SLACK_RESPONSE_URL_PREFIXES entry 1: must be an http\(s\) URL/);
    expect(refusal({ ...s, SLACK_RESPONSE_URL_PREFIXES: 'nope' })).toMatch(/entry 1: not a URL/);
    expect(slackSettingsOf({})).toBeNull();
  });

  it("masks the signing secret in the service's logs should a message quote it", () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString('utf8')), cb()) });
    const config = loadConfig({ SLACK_SIGNING_SECRET: secret, ORCHESTRATOR_NOTIFY_SECRET: notifySecret, LOG_LEVEL: 'info' });
    const { logger } = createLogger(config, sink);
    logger.info({ detail: `x ${secret} y` }, `quoting ${secret}`);
    logger.flush();
    expect(lines.join('')).toContain('quoting');
    expect(lines.join('')).not.toContain(secret);
  });
});
