import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { executorConformance } from '@iac-orchestrator/core/testing';
import { CloudFormationExecutor } from '@iac-orchestrator/executor-cloudformation';
import { findCommand, prerequisite } from '../../../test-support/prerequisites.js';
import { hasMoto, startMoto, type Moto } from '../../../test-support/moto.js';
import { awsJson } from './helpers/aws.js';

const ok =
  prerequisite('moto_server', hasMoto(), 'pip install "moto[server]"') &&
  prerequisite('aws', findCommand('aws') !== null, 'pip install awscli (the AWS CLI v1)');

const template = (name: string) => ({ 'template.yaml': readFileSync(new URL(`./fixtures/conformance/${name}.yaml`, import.meta.url), 'utf8') });

// The real aws CLI against a real moto_server (one per file; stacks differ per scenario).
describe.skipIf(!ok)('CloudFormationExecutor passes executorConformance (moto_server, real aws CLI)', { timeout: 120_000 }, () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
    // `failing` creates its queue, then its bucket fails at execute time on this name, taken first.
    await awsJson(moto, ['s3api', 'create-bucket', '--bucket', 'conformance-taken-bucket']);
  });
  afterAll(() => moto?.stop());

  executorConformance(it, async () => ({
    executor: new CloudFormationExecutor({ pollIntervalMs: 100 }),
    env: moto.env,
    stack: { blueprintId: 'conformance', environment: 'dev', targetCloud: 'aws', format: 'cloudformation' },
    create: { files: template('create') },
    update: { files: template('update') },
    failing: { files: template('failing') },
    unsupported: {
      output: 'moto leaves Outputs out of describe-stacks after a change set (AWS fills them), so there is none to check',
      sensitiveOutput: 'CloudFormation has no sensitive outputs (NoEcho is for parameters)',
      slow: 'moto runs a change set synchronously inside execute-change-set, so no apply is slow enough to cancel',
      inProgressEvents: 'moto writes stack-level events only; the executor reports each resource\'s final status once the stack is stable',
      partialState: 'after a resource fails in execute-change-set, moto fails list-stack-resources for that stack with the same error (the queue it created exists, but no API lists it as the stack\'s)',
    },
  }));
});
