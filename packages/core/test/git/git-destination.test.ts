import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeSourceError, GitCodeSource, NoSandbox, ValidationError, resolveSandbox } from '../../src/index.js';
import { prerequisite } from '../../../../test-support/prerequisites.js';
import { hasGit } from '../../../../test-support/git-repo.js';

const ok = prerequisite('git', hasGit(), 'the git CLI is not on PATH');
const TOKEN = 'glpat-DestinationToken-NeverElsewhere-7';

/** An HTTP server recording each request (path, Host, Authorization); it answers `answer` or never. */
async function recorder(answer: 'deny' | 'silent') {
  const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
  const server: Server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    if (answer === 'deny') res.writeHead(404, { 'content-type': 'text/plain', server: 'SecretInternalAdmin/1.0' }).end('internal admin console\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { seen, server, port: (server.address() as AddressInfo).port };
}

describe.skipIf(!ok)('Where a Git source may connect (real git, real HTTP servers)', () => {
  let a: Awaited<ReturnType<typeof recorder>>;
  let b: Awaited<ReturnType<typeof recorder>>;
  beforeAll(async () => {
    a = await recorder('deny');
    b = await recorder('deny');
  });
  afterAll(async () => {
    for (const s of [a, b]) {
      s.server.closeAllConnections();
      await new Promise<void>((r) => s.server.close(() => r()));
    }
  });
  const sandbox = new NoSandbox();

  it('refuses a URL whose host curl and the checker would read differently, and connects nowhere', async () => {
    const git = new GitCodeSource({ protocols: ['http'], allowedHosts: ['127.0.0.1'], credentials: [{ match: `http://127.0.0.1:${a.port}/team/`, token: TOKEN }] });
    const before = a.seen.length + b.seen.length;
    for (const url of [`http://127.0.0.1:${a.port}\\@127.0.0.1:${b.port}/team/r.git`, `http://127.0.0.1:${a.port}/team/..%2fother/r.git`, `http://127.0.0.1:${a.port}/team/%2e%2e/other/r.git`, `http://127.0.0.1:${a.port}/?@127.0.0.1:${b.port}/team/r.git`]) {
      await expect(git.fetch({ url, ref: 'main' }, { sandbox }), url).rejects.toBeInstanceOf(ValidationError);
    }
    expect(a.seen.length + b.seen.length).toBe(before);
  });

  it('without allowed hosts, refuses loopback and private addresses (also by name) before git runs', async () => {
    const git = new GitCodeSource({ protocols: ['http', 'https'] });
    const before = a.seen.length;
    for (const url of [`http://127.0.0.1:${a.port}/r.git`, `http://localhost:${a.port}/r.git`, `http://0x7f.1:${a.port}/r.git`, 'https://169.254.169.254/latest/r.git', 'https://10.1.2.3/r.git', 'https://[::1]/r.git', 'https://[::ffff:127.0.0.1]/r.git']) {
      await expect(git.fetch({ url, ref: 'main' }, { sandbox }), url).rejects.toThrow(/loopback, private or link-local/);
    }
    const rebound = new GitCodeSource({ protocols: ['https'], resolveHost: async () => ['93.184.216.34', '10.0.0.7'] });
    await expect(rebound.fetch({ url: 'https://mixed.example/r.git', ref: 'main' }, { sandbox })).rejects.toThrow(/loopback, private or link-local/);
    expect(a.seen.length).toBe(before);
  });

  it('with allowed hosts, refuses others; git connects to the address checked (pinned), not to a second DNS answer', async () => {
    const git = new GitCodeSource({ protocols: ['http'], allowedHosts: ['git.internal.test'], resolveHost: async (h) => (h === 'git.internal.test' ? ['127.0.0.1'] : []) });
    await expect(git.fetch({ url: `http://127.0.0.1:${a.port}/r.git`, ref: 'main' }, { sandbox })).rejects.toThrow(/is not one this service fetches from \(ORCHESTRATOR_GIT_ALLOWED_HOSTS\)/);
    // git.internal.test exists in no DNS: git reaches server a only through the pinned address.
    const err = await git.fetch({ url: `http://git.internal.test:${a.port}/r.git`, ref: 'main' }, { sandbox }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodeSourceError);
    expect(a.seen.at(-1)).toMatchObject({ url: '/r.git/info/refs?service=git-upload-pack', headers: { host: `git.internal.test:${a.port}` } });
  });

  it('tells the caller nothing of what answered or refused; git\'s own message goes to the log, masked', async () => {
    const logged: string[] = [];
    const log = (_level: string, message: string, fields?: Record<string, unknown>) => void logged.push(`${message} ${JSON.stringify(fields)}`);
    const git = new GitCodeSource({ protocols: ['http'], allowedHosts: ['127.0.0.1'], credentials: [{ match: '127.0.0.1', token: TOKEN }] });
    const answered = (await git.fetch({ url: `http://127.0.0.1:${a.port}/r.git`, ref: 'main' }, { sandbox, log }).catch((e: unknown) => e)) as CodeSourceError;
    const refused = (await git.fetch({ url: 'http://127.0.0.1:9/r.git', ref: 'main' }, { sandbox, log }).catch((e: unknown) => e)) as CodeSourceError;
    const generic = '(the repository could not be reached, is not a Git repository, or refused access; the service log has git\'s message)';
    expect(answered.message).toBe(`Failed to fetch code from Git: could not fetch http://127.0.0.1:${a.port}/r.git@main ${generic}`);
    expect(refused.message).toBe(`Failed to fetch code from Git: could not fetch http://127.0.0.1:9/r.git@main ${generic}`);
    expect(logged.join('\n')).toMatch(/Failed to connect|Couldn't connect/);
    expect(logged.join('\n')).not.toContain(TOKEN);
  });

  it('refuses ssh:// when the sandbox does not isolate (ssh would use this service\'s own keys)', async () => {
    const git = new GitCodeSource({ protocols: ['ssh'], allowedHosts: ['git.example.com'] });
    await expect(git.fetch({ url: 'ssh://git@git.example.com/r.git', ref: 'main' }, { sandbox })).rejects.toThrow('source.git.url: ssh:// needs an isolating sandbox (this service runs tools with "none"): without one, ssh would use this service\'s own keys. Use https://');
    const isolated = await resolveSandbox('auto');
    if (isolated.describe().isolated) await expect(git.fetch({ url: 'ssh://git@git.example.com/r.git', ref: 'main' }, { sandbox: isolated })).rejects.not.toBeInstanceOf(ValidationError);
  });

  it('one caller\'s stalled fetches take at most their own slots: another caller still fetches', async () => {
    const silent = await recorder('silent');
    try {
      const git = new GitCodeSource({ protocols: ['http'], allowedHosts: ['127.0.0.1'], maxConcurrentFetches: 4, maxConcurrentFetchesPerCaller: 1, timeoutMs: 3000 });
      const url = `http://127.0.0.1:${silent.port}/r.git`;
      const first = git.fetch({ url, ref: 'main' }, { sandbox, callerId: 'alice' }).catch((e: unknown) => e);
      const second = git.fetch({ url, ref: 'main' }, { sandbox, callerId: 'alice' }).catch((e: unknown) => e);
      const other = git.fetch({ url, ref: 'main' }, { sandbox, callerId: 'bob' }).catch((e: unknown) => e);
      const [e1, e2, e3] = (await Promise.all([first, second, other])) as CodeSourceError[];
      expect(e1!.message).toMatch(/did not answer within 3000 ms/);
      expect(e2!.message).toMatch(/no fetch slot was free within 3000 ms/);
      expect(e3!.message).toMatch(/did not answer within 3000 ms/);
      expect(silent.seen).toHaveLength(2);
    } finally {
      silent.server.closeAllConnections();
      silent.server.close();
    }
  });
});
