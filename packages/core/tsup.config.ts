import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.base';

// `testing` imports the runtime from `@iac-orchestrator/core` (kept external, resolved by the package's
// self-reference), so a consumer has one copy of every class: `instanceof CancelledError` holds between an
// executor, its conformance suite and the Orchestrator.
export default defineConfig(packageConfig({ index: 'src/index.ts', testing: 'src/testing/index.ts' }, { external: ['@iac-orchestrator/core'] }));
