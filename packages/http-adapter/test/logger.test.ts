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
});
