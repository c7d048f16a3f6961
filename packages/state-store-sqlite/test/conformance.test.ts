import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { stateStoreConformance } from '@iac-orchestrator/core/testing';
import { SqliteStateStore } from '../src/index.js';

const factory = (encryptionKey?: string) => async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sqlite-store-'));
  return { store: new SqliteStateStore({ dataDir, encryptionKey }), cleanup: () => rm(dataDir, { recursive: true, force: true }) };
};

describe('SqliteStateStore conformance', () => {
  stateStoreConformance(it, factory());
});

describe('SqliteStateStore conformance (encrypted at rest)', () => {
  stateStoreConformance(it, factory('0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'));
});
