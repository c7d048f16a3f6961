export { BwrapSandbox, SANDBOX_HOME, type BwrapSandboxOptions } from './bwrap.js';
export { NoSandbox } from './none.js';
export { detectSandbox, resolveSandbox, autoSandbox, type SandboxDetection } from './detect.js';
export { AbortStop, processGroupStopper, bwrapStopper, childrenOf } from './stop.js';
export { findExecutable } from './tool-paths.js';
