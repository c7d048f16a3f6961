import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { stateStoreConformance } from '../../src/testing/index.js';
import { FileStateStore } from '../../src/stores/file-store.js';

const factory = (encryptionKey?: string) => async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'file-store-'));
  return { store: new FileStateStore({ dataDir, encryptionKey }), cleanup: () => rm(dataDir, { recursive: true, force: true }) };
};

describe('FileStateStore conformance', () => {
  stateStoreConformance(it, factory());
});

describe('FileStateStore conformance (encrypted at rest)', () => {
  stateStoreConformance(it, factory('0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'));
});
