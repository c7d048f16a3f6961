import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutorFactory } from '@iac-orchestrator/core/testing';
import { KvExecutor, type KvCode } from './kv-executor.js';

/** A `kv` bundle's files. */
export const kvFiles = (code: KvCode): Record<string, string> => ({ 'stack.kv.json': JSON.stringify(code) });

const outputs = { endpoint: 'kv://app', token: 'kv-secret-token-1234' };

/** The conformance fixtures of the `kv` executor: a fresh "cloud" directory per scenario. */
export const kvConformanceFactory: ExecutorFactory = async () => {
  const worldDir = await mkdtemp(join(tmpdir(), 'kv-world-'));
  return {
    executor: new KvExecutor({ worldDir }),
    env: {},
    stack: { blueprintId: 'conformance', environment: 'dev', targetCloud: 'local', format: 'kv' },
    create: {
      files: kvFiles({ entries: { a: { value: '1' }, b: { value: '2' } }, outputs, sensitiveOutputs: ['token'] }),
      output: { name: 'endpoint', value: 'kv://app' },
      sensitiveOutput: { name: 'token', value: outputs.token },
    },
    update: { files: kvFiles({ entries: { a: { value: '1' }, b: { value: '3' } }, outputs, sensitiveOutputs: ['token'] }) },
    failing: { files: kvFiles({ entries: { first: { value: 'x' }, breaks: { value: 'y', fail: true } } }) },
    slow: { files: kvFiles({ entries: { fast: { value: 'x' }, slow: { value: 'y', sleepMs: 60_000 }, after: { value: 'z' } } }) },
    cleanup: () => rm(worldDir, { recursive: true, force: true }),
  };
};
