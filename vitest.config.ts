import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}`, import.meta.url));

// Tests run against the TypeScript sources, so `npm test` needs no build step first.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@iac-orchestrator\/core\/testing$/, replacement: src('core/src/testing/index.ts') },
      { find: /^@iac-orchestrator\/core$/, replacement: src('core/src/index.ts') },
      { find: /^@iac-orchestrator\/executor-terraform$/, replacement: src('executor-terraform/src/index.ts') },
      { find: /^@iac-orchestrator\/executor-cloudformation$/, replacement: src('executor-cloudformation/src/index.ts') },
      { find: /^@iac-orchestrator\/executor-bicep$/, replacement: src('executor-bicep/src/index.ts') },
      { find: /^@iac-orchestrator\/state-store-redis$/, replacement: src('state-store-redis/src/index.ts') },
      { find: /^@iac-orchestrator\/queue-bullmq$/, replacement: src('queue-bullmq/src/index.ts') },
      { find: /^@iac-orchestrator\/state-store-sqlite$/, replacement: src('state-store-sqlite/src/index.ts') },
      { find: /^@iac-orchestrator\/http-adapter$/, replacement: src('http-adapter/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './test-support/summary-reporter.ts'],
  },
});
