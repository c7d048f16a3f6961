import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStateStore } from '@iac-orchestrator/core';
import { SqliteStateStore } from '@iac-orchestrator/state-store-sqlite';
import { logEntry, makeDeployment, versionPayload } from '../../core/src/testing/store-conformance-fixtures.js';
import { createStore, FileStoreNeedsImportError } from '../src/store-factory.js';
import { childEnv, cliEntry, repoRoot } from './support/serve.js';

const key = 'e4'.repeat(32);
const stackKey = 'bp/dev/aws/terraform';

/** The CLI as a user runs it (through tsx), argv only. */
const cli = (args: string[], env: Record<string, string>) =>
  execa('node', ['--import', 'tsx', cliEntry, ...args], { cwd: repoRoot, env: childEnv(env), extendEnv: false, reject: false });

describe('the service on SQLite, and import-file-store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'service-sqlite-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('without REDIS_URL the service store is SQLite in ORCHESTRATOR_DATA_DIR', async () => {
    const store = await createStore({ store: { kind: 'sqlite', dataDir: dir } });
    expect(store).toBeInstanceOf(SqliteStateStore);
    await store.init?.();
    await store.putDeployment(makeDeployment({ id: 'd1' }));
    await store.close?.();
    const again = new SqliteStateStore({ dataDir: dir });
    expect((await again.getDeployment('d1'))?.id).toBe('d1');
    await again.close();
  });

  it('a data dir holding a file store is moved by `iac-orchestrator import-file-store`, after which the service reads it', async () => {
    // Today's file store, encrypted, in the directory the service is configured with.
    const files = new FileStateStore({ dataDir: dir, encryptionKey: key });
    await files.putDeployment(makeDeployment({ id: 'dep-old', status: 'completed' }));
    await files.appendLogs('dep-old', [logEntry('applied')]);
    const lock = await files.acquireLock({ stackKey, operation: 'apply', who: 'me', ttlMs: 60_000 });
    await files.writeStateVersion({ stackKey, expectedVersion: 0, lockId: lock.lockId, token: lock.token, retention: 10, version: versionPayload(stackKey, 1) });
    await files.releaseLock(stackKey, lock.lockId);

    // Starting SQLite beside it would show an empty history: refused, naming the command.
    const refused = await createStore({ store: { kind: 'sqlite', dataDir: dir, encryptionKey: key } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FileStoreNeedsImportError);
    expect((refused as Error).message).toMatch(/iac-orchestrator import-file-store/);
    const serve = await cli(['serve'], { PORT: '0', ORCHESTRATOR_DATA_DIR: dir, STATE_ENCRYPTION_KEY: key });
    expect(serve.exitCode).toBe(2);
    expect(serve.stderr).toMatch(/holds a file store/);

    const imported = await cli(['import-file-store', dir], { ORCHESTRATOR_DATA_DIR: dir, STATE_ENCRYPTION_KEY: key });
    expect(imported.stderr).toBe('');
    expect(imported.exitCode).toBe(0);
    expect(JSON.parse(imported.stdout).imported).toMatchObject({ deployments: 1, logEntries: 1, stacks: 1, stateVersions: 1 });

    const store = await createStore({ store: { kind: 'sqlite', dataDir: dir, encryptionKey: key } });
    expect((await store.getDeployment('dep-old'))?.status).toBe('completed');
    expect((await store.readLogs('dep-old')).entries.map((e) => e.message)).toEqual(['applied']);
    expect((await store.getStateVersion(stackKey))?.raw).toEqual(versionPayload(stackKey, 1).raw);
    await store.close?.();

    // A second import would merge two histories: refused, exit 1, nothing changed.
    const twice = await cli(['import-file-store', dir], { ORCHESTRATOR_DATA_DIR: dir, STATE_ENCRYPTION_KEY: key });
    expect(twice.exitCode).toBe(1);
    expect(twice.stderr).toMatch(/not empty/);
  }, 120_000);

  it('import-file-store without a directory prints its usage (exit 2)', async () => {
    const r = await cli(['import-file-store'], { ORCHESTRATOR_DATA_DIR: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/Usage: iac-orchestrator import-file-store <file-store-dir>/);
  });
});
