import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectSandbox, FileStateStore, Orchestrator, type Deployment, type LogEntry } from '@iac-orchestrator/core';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { hasTerraform, loadFixture, testBed } from './helpers.js';

const found = await detectSandbox();
const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH') && prerequisite('bwrap', found.available, found.available ? '' : found.reason);

const CANARY = `cnry${Math.random().toString(36).slice(2, 12)}`;
/** The canary as hostile code would smuggle it out: plain, upper-cased, base64 of either. */
const disguises = [CANARY, CANARY.toUpperCase(), Buffer.from(CANARY).toString('base64'), Buffer.from(CANARY.toUpperCase()).toString('base64').slice(0, 12)];
const leaks = (text: string): string[] => disguises.filter((d) => text.includes(d));

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const p = join(dir, name);
    if ((await stat(p)).isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

async function until(orch: Orchestrator, id: string, done: (d: Deployment) => boolean): Promise<Deployment> {
  for (;;) {
    const d = await orch.get(id);
    if (done(d)) return d;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!ok)('hostile Terraform code inside the bwrap sandbox (real terraform, real bubblewrap)', () => {
  let bed: Awaited<ReturnType<typeof testBed>>;
  let orch: Orchestrator;
  let dataDir: string;
  let targets: string[];
  let escapes: string[];
  const logs: LogEntry[] = [];
  const savedHome = process.env.HOME;

  beforeAll(async () => {
    bed = await testBed();
    dataDir = join(bed.root, 'data');
    const home = join(bed.root, 'home');
    const otherRun = join(bed.workRoot, 'another-deployment');
    await mkdir(join(home, '.aws'), { recursive: true });
    await mkdir(otherRun, { recursive: true });
    await mkdir(dataDir, { recursive: true });
    // The service's secrets: in its environment, its HOME's credentials, its data dir, another run's dir.
    process.env.ISSUE11_CANARY = CANARY;
    process.env.HOME = home;
    await writeFile(join(home, '.aws', 'credentials'), `[default]\naws_secret_access_key = ${CANARY}\n`);
    await writeFile(join(otherRun, 'orchestrator.tfvars.json'), JSON.stringify({ db_password: CANARY }));
    await writeFile(join(dataDir, 'plain-secret.txt'), CANARY);
    targets = [join(dataDir, 'plain-secret.txt'), join(otherRun, 'orchestrator.tfvars.json'), join(home, '.aws', 'credentials'), '/root/.aws/credentials'];
    escapes = [join(tmpdir(), `escape-${process.pid}-${Date.now()}`), join(otherRun, 'pwned'), join(dataDir, 'pwned'), join(home, 'pwned')];
    orch = new Orchestrator({ store: new FileStateStore({ dataDir }), executors: [bed.executor], workDir: bed.workRoot, sandbox: 'bwrap', credentials: { AWS_ACCESS_KEY_ID: 'run-key' } });
    orch.on('log', (e) => logs.push(e.entry));
  });
  afterAll(async () => {
    delete process.env.ISSUE11_CANARY;
    if (savedHome === undefined) delete process.env.HOME;
    else process.env.HOME = savedHome;
    await orch?.close(1000);
    await bed?.dispose();
  });

  it('reads nothing of the service and writes nothing outside its dir, at plan time and at apply time', { timeout: 180_000 }, async () => {
    const bundle = await loadFixture('hostile');
    const d = await orch.deploy({
      blueprintId: 'hostile', environment: 'dev', targetCloud: 'aws', format: 'terraform',
      files: bundle.files, options: { autoApprove: true, variables: { targets, escape_paths: escapes } },
    });
    const end = await until(orch, d.id, (x) => ['completed', 'failed'].includes(x.status));
    expect(end.status, end.error ?? '').toBe('completed');

    const planTime = Buffer.from(String(end.outputs.plan_time), 'base64').toString();
    const applyTime = Buffer.from(String(end.outputs.apply_time), 'base64').toString();
    for (const seen of [planTime, applyTime]) {
      expect(leaks(seen)).toEqual([]);
      // every target file was unreadable (not merely empty)
      expect(seen.split('|').filter((x) => x === 'unreadable').length).toBeGreaterThanOrEqual(targets.length);
    }
    // Its own PID namespace: the parent it found is bwrap's init (pid 1 inside), whose environment is empty.
    expect(planTime.split('|').pop()).toBe('1');
    for (const p of escapes) expect(existsSync(p), p).toBe(false);
    const provisioner = logs.filter((l) => l.resource === 'terraform_data.apply_time').map((l) => l.message).join('\n');
    expect(provisioner).toMatch(/No such file or directory|Read-only file system|Permission denied/);
    // Only the sandbox's private /tmp took a write (gone with the sandbox, as checked above).
    expect(provisioner.match(/wrote \/\S+/g)).toEqual([`wrote ${escapes[0]}`]);
  });

  it('puts no service secret into a failed production plan\'s error either', { timeout: 120_000 }, async () => {
    const d = await orch.deploy({
      blueprintId: 'hostile-plan', environment: 'production', targetCloud: 'aws', format: 'terraform',
      files: { 'main.tf': 'locals {\n  env = join("", [for p in ["1", split(" ", file("/proc/self/stat"))[3]] : file("/proc/${p}/environ")])\n}\noutput "boom" {\n  value = tonumber("x${local.env}${try(file(pathexpand("~/.aws/credentials")), "")}")\n}\n' },
      options: {},
    });
    const end = await until(orch, d.id, (x) => ['completed', 'failed', 'awaiting_approval'].includes(x.status));
    expect(end.status).toBe('failed');
    // The failure message is cut at 2000 characters, which a long environment (PATH) can reach before "to number".
    expect(end.error).toMatch(/cannot convert/);
    expect(leaks(end.error ?? '')).toEqual([]);
  });

  it('refuses a bundle whose own backend "local" would write outside the run dir', { timeout: 120_000 }, async () => {
    const statePath = join(tmpdir(), `escape-state-${process.pid}-${Date.now()}.tfstate`);
    const bundle = await loadFixture('local-backend-escape', { __STATE_PATH__: statePath });
    const d = await orch.deploy({ blueprintId: 'escape', environment: 'dev', targetCloud: 'aws', format: 'terraform', files: bundle.files, options: { autoApprove: true } });
    const end = await until(orch, d.id, (x) => ['completed', 'failed'].includes(x.status));
    expect(end.status).toBe('failed');
    expect(end.error).toMatch(/backend "local" block cannot be used inside the sandbox/);
    expect(existsSync(statePath)).toBe(false);
  });

  it('leaves the canary in no log, record, response or stored file', async () => {
    const records = await orch.list({ limit: 100 });
    // Outputs decoded too: hostile code base64-encodes what it found.
    const decoded = records.items.flatMap((r) => Object.values(r.outputs).map((v) => Buffer.from(String(v), 'base64').toString('latin1')));
    const text = JSON.stringify({ logs, records, decoded, history: await Promise.all(records.items.map((r) => orch.logs(r.id).catch(() => null))) });
    expect(leaks(text)).toEqual([]);
    for (const f of await filesUnder(dataDir)) {
      if (f.endsWith('plain-secret.txt')) continue; // the bait itself
      expect(leaks(await readFile(f, 'latin1')), f).toEqual([]);
    }
  });
});
