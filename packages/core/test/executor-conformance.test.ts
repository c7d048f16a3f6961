import { describe, it } from 'vitest';
import { executorConformance, ScriptedExecutor, scriptedFiles } from '@iac-orchestrator/core/testing';

// Core's own scripted executor must pass the suite it exports: the contract's reference implementation.
describe('executorConformance: ScriptedExecutor', () =>
  executorConformance(it, async () => ({
    executor: new ScriptedExecutor('terraform'),
    env: {},
    stack: { blueprintId: 'conformance', environment: 'dev', targetCloud: 'aws', format: 'terraform' },
    create: {
      files: scriptedFiles({
        resources: [{ id: 'network', value: 'net-1' }, { id: 'app', value: 'app-1' }],
        outputs: { endpoint: 'https://app.example', token: 'tok-conformance-1234' },
        sensitiveOutputs: ['token'],
      }),
      output: { name: 'endpoint', value: 'https://app.example' },
      sensitiveOutput: { name: 'token', value: 'tok-conformance-1234' },
    },
    update: {
      files: scriptedFiles({
        resources: [{ id: 'network', value: 'net-1' }, { id: 'app', value: 'app-2' }],
        outputs: { endpoint: 'https://app.example', token: 'tok-conformance-1234' },
        sensitiveOutputs: ['token'],
      }),
    },
    failing: { files: scriptedFiles({ resources: [{ id: 'first', value: 'a' }, { id: 'breaks', value: 'b', fail: true }] }) },
    slow: { files: scriptedFiles({ resources: [{ id: 'fast', value: 'a' }, { id: 'slow', value: 'b', sleepMs: 60_000 }, { id: 'after', value: 'c' }] }) },
  })));
