import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeSourceError, GitCodeSource, NoSandbox } from '../../src/index.js';
import { prerequisite } from '../../../../test-support/prerequisites.js';
import { hasGit } from '../../../../test-support/git-repo.js';

const ok = prerequisite('git', hasGit(), 'the git CLI is not on PATH');
const TOKEN = 'glpat-Cred3ntialN0tForLogs-42';

/** Every process's argv on this machine that contains `needle` (the token must be on none). */
function argvHolding(needle: string): string[] {
  const hits: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (argv.includes(needle)) hits.push(argv.replace(/\0/g, ' '));
    } catch {
      /* gone */
    }
  }
  return hits;
}

describe.skipIf(!ok)('Git credentials from configuration', () => {
  const seen: Array<{ url: string; headers: IncomingHttpHeaders; argvWithToken: string[] }> = [];
  const server = createServer((req, res) => {
    // While git's remote helper waits for this answer, its argv is live in /proc.
    seen.push({ url: req.url ?? '', headers: req.headers, argvWithToken: argvHolding(TOKEN) });
    res.writeHead(403, { 'content-type': 'text/plain' }).end(`denied for ${String(req.headers.authorization)}\n`);
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends the token as an Authorization header to matching URLs only, never on argv, never in the error', async () => {
    const git = new GitCodeSource({ protocols: ['http'], allowedHosts: ['127.0.0.1'], credentials: [{ match: `${base}/team/`, token: TOKEN, username: 'oauth2' }] });
    const err = await git.fetch({ url: `${base}/team/infra.git`, ref: 'main' }, { sandbox: new NoSandbox() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodeSourceError);
    const first = seen.at(-1)!;
    expect(first.url).toBe('/team/infra.git/info/refs?service=git-upload-pack');
    expect(first.headers.authorization).toBe(`Basic ${Buffer.from(`oauth2:${TOKEN}`).toString('base64')}`);
    expect(first.argvWithToken).toEqual([]);
    const shown = JSON.stringify({ message: (err as Error).message, details: (err as CodeSourceError).details });
    expect(shown).not.toContain(TOKEN);
    expect(shown).not.toContain(Buffer.from(`oauth2:${TOKEN}`).toString('base64'));

    // Another path of the same host is not covered by the credential's prefix: no header.
    await git.fetch({ url: `${base}/other/infra.git`, ref: 'main' }, { sandbox: new NoSandbox() }).catch(() => undefined);
    expect(seen.at(-1)!.url).toBe('/other/infra.git/info/refs?service=git-upload-pack');
    expect(seen.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('refuses http:// unless configured, and a URL carrying credentials always', async () => {
    await expect(new GitCodeSource({ protocols: ['https'] }).fetch({ url: `${base}/team/infra.git`, ref: 'main' }, { sandbox: new NoSandbox() })).rejects.toThrow(/http:\/\/ URLs are not allowed/);
    const err = (await new GitCodeSource({ protocols: ['http'] }).fetch({ url: `http://me:${TOKEN}@127.0.0.1:1/r.git`, ref: 'main' }, { sandbox: new NoSandbox() }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/must not carry a user name or password/);
    expect(err.message).not.toContain(TOKEN);
  });
});
