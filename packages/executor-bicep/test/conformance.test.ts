/**
 * BicepExecutor against core's executorConformance suite, with a STAND-IN `az` / `bicep`
 * (test/fixtures/bin): Azure cannot be reached from here, so the CLIs are scripts replaying az outputs
 * recorded from Microsoft's documented ARM responses (test/fixtures/az-output). The stand-in is scripted
 * per scenario (a failed deployment for `failing`, one that runs until cancelled for `slow`), so this
 * proves the executor's side of the contract (contexts, JSON artifacts, fresh work dirs, statuses, masking,
 * outcomes), not Azure's behaviour.
 */
import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { executorConformance, type ConformanceScenario } from '@iac-orchestrator/core/testing';
import { BicepExecutor } from '../src/index.js';
import { baseResponses, CREDENTIALS, Standin, type Response } from './helpers/standin.js';

const template = (name: string) => ({ 'main.json': readFileSync(new URL(`./fixtures/conformance/${name}/main.json`, import.meta.url), 'utf8') });
const PASSWORD = 'P@ssw0rd-conformance-77';
const variables = { storageName: 'stweb001', adminPassword: PASSWORD };

/** What the stand-in answers in each scenario, on top of the happy path. */
function responsesFor(scenario: ConformanceScenario): Record<string, Response[]> {
  const r = baseResponses();
  if (scenario === 'lifecycle') {
    // create → the same again (no change) → update (one resource modified).
    r['deployment group what-if'] = [{ file: 'what-if-create-modify.json' }, { file: 'what-if-no-change.json' }, { file: 'what-if-drift.json' }];
  }
  if (scenario === 'failing') {
    r['deployment group show'] = [{ file: 'deployment-accepted.json' }, { file: 'deployment-running.json' }, { file: 'deployment-failed.json' }];
    r['deployment operation group list'] = [{ stdout: '[]' }, { file: 'operations-running.json' }, { file: 'operations-failed.json' }];
  }
  if (scenario === 'slow') {
    // Runs until `az deployment group cancel` moves the stand-in to its cancelled phase.
    r['deployment group show'] = [{ file: 'deployment-accepted.json' }, { file: 'deployment-running.json' }];
    r['deployment operation group list'] = [{ stdout: '[]' }, { file: 'operations-running.json' }];
    r['cancelled:deployment group show'] = [{ file: 'deployment-canceled.json' }];
    r['cancelled:deployment operation group list'] = [{ file: 'operations-canceled.json' }];
  }
  return r;
}

describe('BicepExecutor passes executorConformance (STAND-IN az: Azure cannot be reached here)', () =>
  executorConformance(it, async (scenario) => {
    const standin = await Standin.create(responsesFor(scenario));
    return {
      executor: new BicepExecutor(standin.options()),
      env: { ...CREDENTIALS },
      stack: { blueprintId: 'web-app', environment: 'dev', targetCloud: 'azure', format: 'bicep' },
      create: { files: template('create'), variables, output: { name: 'storageEndpoint', value: 'https://stweb001.blob.core.windows.net/' }, sensitiveOutput: { name: 'adminSecret', value: PASSWORD } },
      update: { files: template('update'), variables },
      // Same code: the stand-in decides that this deployment fails, or runs until cancelled.
      failing: { files: template('create'), variables },
      slow: { files: template('create'), variables },
      cleanup: () => standin.cleanup(),
    };
  }),
);
