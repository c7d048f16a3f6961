import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { CodeSourceError, ValidationError } from '../errors.js';
import type { Sandbox, SandboxBind } from '../types/sandbox.js';
import { chooseSshCredential, type GitSshCredential } from './ssh-credentials.js';

/** A private key file is a few KB; anything larger is a configuration mistake (e.g. a device). */
const MAX_KEY_BYTES = 64 * 1024;

/**
 * The private `~/.ssh` of one ssh fetch. OpenSSH finds `~/.ssh` through the passwd entry of its user
 * (`getpwuid`), not `$HOME`, and `GIT_SSH_COMMAND`/`core.sshCommand` with options run through a shell
 * (never here). So the fetch writes a directory (0700) holding `config`, the key copied from the
 * configured file (0600) and `known_hosts`, and the sandbox binds it read-only at `<its user's home>/.ssh`:
 * ssh reads its whole configuration from there and nothing of the service user's. The directory is inside
 * the fetch's temporary directory, removed with it. `pinAddress`: connect to that (checked) IP address
 * instead of resolving the URL's host again; the host key is still checked under the host's name.
 */
export async function prepareSshHome(args: { url: string; host: string; credentials: readonly GitSshCredential[]; sandbox: Sandbox; dir: string; pinAddress?: string }): Promise<SandboxBind[]> {
  const home = args.sandbox.userHome;
  if (!home || !args.sandbox.describe().isolated) {
    throw new ValidationError(`source.git.url: ssh:// needs a sandbox that isolates git and gives it a private ~/.ssh (this service runs tools with "${args.sandbox.kind}"); without one, ssh would use this service's own keys. Use https://`, 'source.git.url');
  }
  const credential = chooseSshCredential(args.url, args.credentials);
  if (!credential) {
    throw new ValidationError(`source.git.url: this service has no ssh key configured for ${args.host} (ORCHESTRATOR_GIT_CREDENTIALS); ssh:// is fetched only with a configured key`, 'source.git.url');
  }
  const dir = join(args.dir, 'ssh');
  await mkdir(dir, { mode: 0o700 });
  await chmod(dir, 0o700);
  // The key's bytes go from file to file: never into a string that could reach a message.
  const unreadable = (why: string) => new CodeSourceError(`Failed to fetch code from Git: the ssh key file configured for ${credential.match} cannot be used (${why})`, false, { reason: 'credentials' });
  const size = await stat(credential.keyFile).then((s) => (s.isFile() ? s.size : -1), (e: NodeJS.ErrnoException) => {
    throw unreadable(e.code ?? 'error');
  });
  if (size < 0 || size > MAX_KEY_BYTES) throw unreadable(size < 0 ? 'not a regular file' : `larger than ${MAX_KEY_BYTES} bytes`);
  const key = await readFile(credential.keyFile).catch((e: NodeJS.ErrnoException) => {
    throw unreadable(e.code ?? 'error');
  });
  await writeFile(join(dir, 'id'), key, { mode: 0o600, flag: 'wx' });
  key.fill(0);
  const knownHosts = isAbsolute(credential.knownHosts.trim())
    ? await readFile(credential.knownHosts.trim(), 'utf8').catch((e: NodeJS.ErrnoException) => {
        throw new CodeSourceError(`Failed to fetch code from Git: the known_hosts file configured for ${credential.match} cannot be read (${e.code ?? 'error'})`, false, { reason: 'credentials' });
      })
    : credential.knownHosts;
  await writeFile(join(dir, 'known_hosts'), knownHosts.endsWith('\n') ? knownHosts : `${knownHosts}\n`, { mode: 0o600 });
  const ssh = `${home.replace(/\/+$/, '')}/.ssh`;
  await writeFile(join(dir, 'config'), sshConfig(ssh, args.pinAddress ? pin(args.url, args.pinAddress) : []), { mode: 0o600 });
  return [{ source: dir, target: ssh }];
}

/**
 * Connect to `address` (one the caller checked) rather than resolving the host again, while the host key
 * is still looked up under the URL's host (`HostKeyAlias`, `[host]:port` off port 22) as known_hosts has it.
 */
function pin(url: string, address: string): string[] {
  if (!/^[0-9a-fA-F.:]+$/.test(address)) throw new ValidationError('source.git.url: the address to connect to must be an IP address', 'source.git.url');
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return [`  HostName ${address}`, `  HostKeyAlias ${u.port && u.port !== '22' ? `[${host}]:${u.port}` : host}`];
}

/** The whole ssh configuration: this key only, these host keys only, no prompt, no agent, no forwarding. */
function sshConfig(ssh: string, pinned: string[]): string {
  return [
    'Host *',
    ...pinned,
    `  IdentityFile ${ssh}/id`,
    '  IdentitiesOnly yes',
    '  IdentityAgent none',
    '  PKCS11Provider none',
    '  StrictHostKeyChecking yes',
    `  UserKnownHostsFile ${ssh}/known_hosts`,
    '  GlobalKnownHostsFile /dev/null',
    '  UpdateHostKeys no',
    '  CheckHostIP no',
    '  BatchMode yes',
    '  PasswordAuthentication no',
    '  KbdInteractiveAuthentication no',
    '  PreferredAuthentications publickey',
    '  ForwardAgent no',
    '  ForwardX11 no',
    '  ClearAllForwardings yes',
    '  ControlMaster no',
    '  ControlPath none',
    '  ProxyCommand none',
    '  PermitLocalCommand no',
    '  ConnectTimeout 20',
    '',
  ].join('\n');
}
