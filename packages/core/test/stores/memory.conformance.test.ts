import { describe, it } from 'vitest';
import { stateStoreConformance } from '../../src/testing/index.js';
import { MemoryStateStore } from '../../src/stores/memory-store.js';

describe('MemoryStateStore conformance', () => {
  stateStoreConformance(it, async () => ({ store: new MemoryStateStore() }));
});
