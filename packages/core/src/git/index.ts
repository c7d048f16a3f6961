export { GitCodeSource, type GitCodeSourceOptions } from './git-code-source.js';
export type { GitCredential } from './git-credentials.js';
export { GIT_PROTOCOLS, type GitProtocol } from './git-url.js';
export type { GitSshCredential } from './ssh-credentials.js';
export type { HostResolver } from './git-hosts.js';
