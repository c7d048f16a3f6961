import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, stream };
}

describe('service logger', () => {
  it('writes JSON lines with authorization headers and credential values redacted', () => {
    const { lines, stream } = capture();
    const secret = 'super-secret-client-value';
    const { logger } = createLogger({ logLevel: 'info', credentials: { AZURE_CLIENT_SECRET: secret, AWS_REGION: 'us-east-1' } }, stream);
    logger.info({ req: { headers: { authorization: 'Bearer abcdefghijklmnop' } } }, 'request');
    logger.warn(`tool said ${secret}`);
    logger.error({ err: new Error(`failed with ${secret}`), detail: { nested: secret } }, 'boom');
    const text = lines.join('');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('abcdefghijklmnop');
    const records = lines.map((l) => JSON.parse(l));
    expect(records[0].req.headers.authorization).toBe('***');
    expect(records[1].msg).toBe('tool said ***');
    expect(records[2].err.message).toBe('failed with ***');
    expect(records[2].detail.nested).toBe('***');
    // Not a credential by name: left readable.
    logger.info('region us-east-1');
    expect(JSON.parse(lines[3]).msg).toBe('region us-east-1');
  });

  it('masks configured notification URLs (a Slack or Teams webhook URL is itself the credential)', () => {
    const { lines, stream } = capture();
    const slack = 'https://hooks.slack.com/services/T000/B000/LOGGERSLACKTOKEN';
    const teams = 'https://prod.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=LOGGERTEAMSSIG';
    const subscriptions = [{ url: slack, events: ['failed' as const], format: 'slack' as const }, { url: teams, events: ['failed' as const], format: 'teams' as const }];
    const { logger } = createLogger({ logLevel: 'info', credentials: {}, notifications: { subscriptions } }, stream);
    logger.warn(`could not post to ${slack}`);
    logger.error({ detail: { url: teams } }, 'boom');
    expect(lines.join('')).not.toMatch(/LOGGERSLACKTOKEN|LOGGERTEAMSSIG/);
  });
});

describe('request logs of the REST server', () => {
  it('never contain a bearer token', async () => {
    const { MemoryStateStore, Orchestrator } = await import('@iac-orchestrator/core');
    const { buildServer } = await import('../src/server.js');
    const { parseApiTokens } = await import('../src/auth.js');
    const token = 'request-log-token-0123456789';
    const { lines, stream } = capture();
    const { logger } = createLogger({ logLevel: 'debug', credentials: {} }, stream);
    const orchestrator = new Orchestrator({ store: new MemoryStateStore() });
    const app = buildServer({ orchestrator, tokens: parseApiTokens(`ci:viewer:${token}`), logger });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const addr = app.server.address() as { port: number };
      const ok = await fetch(`http://127.0.0.1:${addr.port}/api/deployments`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      const bad = await fetch(`http://127.0.0.1:${addr.port}/api/deployments`, { headers: { authorization: `Bearer ${token}x` } });
      expect(bad.status).toBe(401);
    } finally {
      await app.close();
      await orchestrator.close(0);
    }
    const text = lines.join('');
    expect(text).toMatch(/"url":"\/api\/deployments"/);
    expect(text).not.toContain(token);
  });
});
