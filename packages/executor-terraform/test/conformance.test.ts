import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { executorConformance } from '@iac-orchestrator/core/testing';
import { findCommand, prerequisite } from '../../../test-support/prerequisites.js';
import { FIXTURES, hasTerraform, testBed } from './helpers.js';

const ok =
  prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH') &&
  prerequisite('sleep', findCommand('sleep') !== null, 'no sleep binary (the slow fixture runs it)') &&
  prerequisite('false', findCommand('false') !== null, 'no false binary (the failing fixture runs it)');

const files = (name: string) => ({ 'main.tf': readFileSync(join(FIXTURES, name, 'main.tf'), 'utf8') });
const TOKEN = 'tok-conformance-9f2c7a41';

// Real terraform on terraform_data resources (no provider download), one test bed per factory call.
describe.skipIf(!ok)('TerraformExecutor passes executorConformance (real terraform)', () =>
  executorConformance(it, async () => {
    const bed = await testBed();
    return {
      executor: bed.executor,
      env: {},
      stack: { blueprintId: 'conformance', environment: 'dev', targetCloud: 'aws', format: 'terraform' },
      create: { files: files('conformance/create'), variables: { api_token: TOKEN }, output: { name: 'app_input', value: 'app-v1' }, sensitiveOutput: { name: 'api_token', value: TOKEN } },
      update: { files: files('conformance/update'), variables: { api_token: TOKEN } },
      failing: { files: files('conformance/failing') },
      // The same slow fixture as the cancel tests: `fast` is created at once, `slow` sleeps 120 s.
      slow: { files: files('slow') },
      cleanup: bed.dispose,
    };
  }),
);
