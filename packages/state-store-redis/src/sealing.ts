/**
 * Encryption at rest with core's `Encryption` (AES-256-GCM), as the file store does: every record (deployment,
 * bundle, plan, audit entry, state version, raw state) and log line. Without a key, values are stored as they are.
 * @module
 */
import { Encryption, OrchestratorError } from '@iac-orchestrator/core';

export class Sealer {
  private readonly encryption: Encryption | null;

  constructor(encryptionKey: string | undefined) {
    this.encryption = encryptionKey === undefined ? null : Encryption.fromKey(encryptionKey);
  }

  get enabled(): boolean {
    return this.encryption !== null;
  }

  /** The stored form of `value`: an envelope when a key is set. */
  seal(value: unknown): unknown {
    return this.encryption ? this.encryption.seal(value) : value;
  }

  /** The value of a stored form. Plain values written before a key was set are read as they are. */
  open(stored: unknown): unknown {
    if (!Encryption.isSealed(stored)) return stored;
    if (!this.encryption) {
      throw new OrchestratorError('Stored data is encrypted: set STATE_ENCRYPTION_KEY (the store option encryptionKey) to read it');
    }
    return this.encryption.open(stored);
  }
}
