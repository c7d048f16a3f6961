import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectSandbox, FileStateStore, Orchestrator, type Deployment } from '@iac-orchestrator/core';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { hasTerraform, testBed } from './helpers.js';

const found = await detectSandbox();
const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH') && prerequisite('bwrap', found.available, found.available ? '' : found.reason);

const CANARY = `hostjson${Math.random().toString(36).slice(2, 12)}`;

/**
 * Hostile code at apply time plants symlinks in the work dir it may write, pointing at host files the
 * runner (outside the sandbox) would then write through (the state spool's temp file) or read as the
 * state Terraform left (`errored.tfstate`).
 */
const HOSTILE = (hostFile: string, hostJson: string) => `
resource "terraform_data" "plant" {
  provisioner "local-exec" {
    command = "ln -sf ${hostFile} ../received.tfstate.tmp && ln -sf ${hostJson} errored.tfstate && echo planted"
  }
}
output "ok" {
  value = "done"
}
`;

describe.skipIf(!ok)('symlinks planted in the work dir by hostile code (real terraform, real bubblewrap)', () => {
  let bed: Awaited<ReturnType<typeof testBed>>;
  let orch: Orchestrator;
  let store: FileStateStore;

  beforeAll(async () => {
    bed = await testBed();
    const dataDir = join(bed.root, 'data');
    await mkdir(dataDir, { recursive: true });
    store = new FileStateStore({ dataDir });
    orch = new Orchestrator({ store, executors: [bed.executor], workDir: bed.workRoot, sandbox: 'bwrap' });
  });
  afterAll(async () => {
    await orch?.close(1000);
    await bed?.dispose();
  });

  it('neither overwrites the host files nor stores them as state', { timeout: 180_000 }, async () => {
    const hostFile = join(bed.root, 'host-file.txt');
    const hostJson = join(bed.root, 'host.json');
    const hostState = JSON.stringify({ version: 4, terraform_version: '1.11.0', serial: 99, lineage: 'host', resources: [], outputs: { stolen: { value: CANARY, type: 'string' } } });
    await writeFile(hostFile, 'original host content');
    await writeFile(hostJson, hostState);
    const d = await orch.deploy({ blueprintId: 'symlinks', environment: 'dev', targetCloud: 'aws', format: 'terraform', files: { 'main.tf': HOSTILE(hostFile, hostJson) }, options: { autoApprove: true } });
    let end: Deployment;
    for (;;) {
      end = await orch.get(d.id);
      if (['completed', 'failed'].includes(end.status)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const logs = JSON.stringify(await orch.logs(d.id));
    expect(logs).toContain('planted'); // the attack ran
    expect(await readFile(hostFile, 'utf8')).toBe('original host content');
    expect(await readFile(hostJson, 'utf8')).toBe(hostState);
    const stored = end.stateVersion ? await store.getStateVersion(end.stackKey, end.stateVersion) : null;
    expect(JSON.stringify({ end, stored })).not.toContain(CANARY);
    expect(end.status, end.error ?? '').toBe('completed');
    expect(stored?.resources.map((r) => r.id)).toEqual(['terraform_data.plant']);
  });
});
