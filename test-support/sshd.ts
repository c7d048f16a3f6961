import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** sshd's path (Debian: /usr/sbin, often not on a non-root PATH), or null. */
export function findSshd(): string | null {
  for (const p of ['/usr/sbin/sshd', '/usr/bin/sshd']) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

/** A generated key pair (ssh-keygen, no passphrase). */
export interface KeyPair {
  privateFile: string;
  publicLine: string;
}

export function keygen(dir: string, name: string): KeyPair {
  const privateFile = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', privateFile]);
  return { privateFile, publicLine: execFileSync('cat', [`${privateFile}.pub`], { encoding: 'utf8' }).trim() };
}

/**
 * A test-owned sshd on 127.0.0.1 (a free port), as the current user, accepting only `client`'s key: git
 * over ssh reaches the machine's repositories through it (`git-upload-pack` on the session's PATH).
 */
export class TestSshd {
  private log = '';
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly hostKey: KeyPair,
    readonly client: KeyPair,
    private readonly child: ChildProcess,
  ) {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => (this.log += s));
  }

  /** The user the server lets in (the current one). */
  get user(): string {
    return userInfo().username;
  }

  /** The `known_hosts` line of this server. */
  get knownHostsLine(): string {
    return `[127.0.0.1]:${this.port} ${this.hostKey.publicLine.split(' ').slice(0, 2).join(' ')}`;
  }

  /** `ssh://user@127.0.0.1:port/<absolute path>` */
  url(path: string): string {
    return `ssh://${this.user}@127.0.0.1:${this.port}${path}`;
  }

  /** What sshd wrote so far (-e: its log on stderr). */
  output(): string {
    return this.log;
  }

  static async start(sshd: string): Promise<TestSshd> {
    const dir = await mkdtemp(join(tmpdir(), 'test-sshd-'));
    const hostKey = keygen(dir, 'host_key');
    const client = keygen(dir, 'client_key');
    await writeFile(join(dir, 'authorized_keys'), `${client.publicLine}\n`, { mode: 0o600 });
    const port = await freePort();
    const config = [
      `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${hostKey.privateFile}`, `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`, 'StrictModes no', 'UsePAM no', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes', 'PermitRootLogin prohibit-password', `AllowUsers ${userInfo().username}`, 'LogLevel VERBOSE', '',
    ].join('\n');
    await writeFile(join(dir, 'sshd_config'), config);
    if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation dir
    const child = spawn(sshd, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    const server = new TestSshd(dir, port, hostKey, client, child);
    await server.waitListening();
    return server;
  }

  private async waitListening(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (this.child.exitCode !== null) throw new Error(`sshd exited: ${this.log}`);
      if (await canConnect(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`sshd did not listen on ${this.port}: ${this.log}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  /** The private key's content (to check it never shows anywhere). */
  clientKeyText(): Promise<string> {
    return readFile(this.client.privateFile, 'utf8');
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ port, host: '127.0.0.1' });
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });
}
