import { CodeSourceError } from '../errors.js';

/**
 * Names what went wrong in an ssh fetch, from git's stderr: git's own last lines ("Could not read from
 * remote repository") hide ssh's reason. Throws for a host key that is not the configured one or a key
 * the server refused; returns for anything else. ssh's messages quote no key material.
 */
export function throwSshFailure(stderr: string, where: string): void {
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No (?:ED25519|RSA|ECDSA)? ?host key is known/i.test(stderr)) {
    throw new CodeSourceError(`Failed to fetch code from Git: ${where}: Host key verification failed (the server's host key is not in the known_hosts configured for it)`, true, { reason: 'host_key' });
  }
  if (/Permission denied \(publickey/i.test(stderr)) {
    throw new CodeSourceError(`Failed to fetch code from Git: ${where}: Permission denied (publickey): the server refused the ssh key configured for it`, true, { reason: 'auth' });
  }
}
