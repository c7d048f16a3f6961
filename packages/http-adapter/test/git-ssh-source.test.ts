import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitCodeSource } from '@iac-orchestrator/core';
import { loadConfig } from '../src/config.js';
import { ApiHarness, deployBody, terraformAvailable } from './support/harness.js';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { BareRepo, hasGit, terraformAt } from '../../../test-support/git-repo.js';
import { findSshd, TestSshd } from '../../../test-support/sshd.js';

const sshd = findSshd();
const ok = terraformAvailable() && prerequisite('git', hasGit(), 'the git CLI is not on PATH') && prerequisite('sshd', sshd !== null, 'openssh-server is not installed (/usr/sbin/sshd)');

describe.skipIf(!ok)('deploying from ssh:// through REST, the key and host keys from ORCHESTRATOR_GIT_CREDENTIALS', () => {
  const api = new ApiHarness();
  let server: TestSshd;
  let repo: BareRepo;
  let commit = '';
  let keyLines: string[] = [];

  beforeAll(async () => {
    server = await TestSshd.start(sshd!);
    keyLines = (await readFile(server.client.privateFile, 'utf8')).split('\n').filter((l) => l && !l.startsWith('-----'));
    repo = await BareRepo.create();
    commit = await repo.commit('one', { 'infra/main.tf': terraformAt('over-ssh') });
    // Exactly what an operator writes: the service's config, parsed by loadConfig, builds the Git source.
    const config = loadConfig({
      ORCHESTRATOR_GIT_PROTOCOLS: 'ssh',
      ORCHESTRATOR_GIT_ALLOWED_HOSTS: `127.0.0.1:${server.port},127.0.0.2:${server.port}`,
      ORCHESTRATOR_GIT_CREDENTIALS: JSON.stringify({ [`127.0.0.1:${server.port}`]: { sshKeyFile: server.client.privateFile, knownHosts: server.knownHostsLine } }),
    });
    await api.start({ orchestrator: { gitSource: new GitCodeSource(config.git) } });
  });
  afterAll(async () => {
    await api.stop();
    await server?.stop();
    await repo?.dispose();
  });

  it('deploys the repository over ssh and records the commit; nothing of the key shows', async () => {
    const url = server.url(repo.dir);
    const r = await api.call('POST', '/api/deployments', { role: 'deployer', body: deployBody({ blueprintId: 'ssh-web', source: { git: { url, ref: 'main', path: 'infra' } } }) });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const d = await api.waitForStatus(r.body.deploymentId, ['completed', 'failed']);
    expect(d.error).toBeNull();
    expect(d.source).toEqual({ git: { url, ref: 'main', path: 'infra', commit } });
    expect(d.outputs).toEqual({ version: 'over-ssh' });
    const seen = JSON.stringify([d, (await api.call('GET', `/api/deployments/${d.id}/logs`)).body]);
    for (const line of keyLines) expect(seen).not.toContain(line);
  });

  it('a host without a configured key is a 400 and stores nothing', async () => {
    const before = (await api.call('GET', '/api/deployments?limit=100')).body.deployments.length;
    const r = await api.call('POST', '/api/deployments', { role: 'deployer', body: deployBody({ blueprintId: 'ssh-web', source: { git: { url: `ssh://git@127.0.0.2:${server.port}${repo.dir}`, ref: 'main' } } }) });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(/no ssh key configured for 127\.0\.0\.2/);
    expect((await api.call('GET', '/api/deployments?limit=100')).body.deployments.length).toBe(before);
  });
});
