/**
 * Encryption at rest with core's `Encryption` (AES-256-GCM), as the file store does: deployment records
 * (variables), raw state, state-version bodies, bundles, plans, log lines and audit entries are sealed;
 * only the columns the store filters and sorts on stay readable. Without a key, values are stored as JSON.
 * @module
 */
import { Encryption, EncryptionError } from '@iac-orchestrator/core';

export class Sealer {
  private readonly encryption: Encryption | null;

  constructor(encryptionKey: string | undefined) {
    this.encryption = encryptionKey ? Encryption.fromKey(encryptionKey) : null;
  }

  get enabled(): boolean {
    return this.encryption !== null;
  }

  /** The stored text of `value`: its JSON, or the JSON of its sealed envelope when a key is set. */
  seal(value: unknown): string {
    return JSON.stringify(this.encryption ? this.encryption.seal(value) : value);
  }

  /** The value of a stored text. Plain values written before a key was set are read as they are. */
  open<T>(text: string): T {
    const stored: unknown = JSON.parse(text);
    if (!Encryption.isSealed(stored)) return stored as T;
    if (!this.encryption) throw new EncryptionError('Stored data is encrypted: set STATE_ENCRYPTION_KEY to the key it was written with');
    return this.encryption.open(stored) as T;
  }
}
