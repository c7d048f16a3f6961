/**
 * How records are written to disk: as plain JSON, or, when an encryption key is set, as a small plain
 * header (the fields the store must filter and sort on without a key) plus the whole record sealed.
 * @module
 */
import { Encryption, EncryptionError, type SealedEnvelope } from '../encryption.js';

interface SealedRecord {
  sealed: SealedEnvelope;
  [header: string]: unknown;
}

const isSealedRecord = (value: unknown): value is SealedRecord =>
  !!value && typeof value === 'object' && Encryption.isSealed((value as { sealed?: unknown }).sealed);

export class RecordCodec {
  constructor(private readonly encryption: Encryption | null) {}

  get encrypts(): boolean {
    return this.encryption !== null;
  }

  /** The form of `record` to store. `header` is kept readable; with no key the record is stored as is. */
  encode(record: object, header: Record<string, unknown> = {}): unknown {
    if (!this.encryption) return record;
    return { ...header, sealed: this.encryption.seal(record) };
  }

  /** The record from its stored form; plain records written before a key was set still read. */
  decode<T>(stored: unknown): T {
    if (!isSealedRecord(stored)) return stored as T;
    if (!this.encryption) {
      throw new EncryptionError('Stored data is encrypted: set STATE_ENCRYPTION_KEY to the key it was written with');
    }
    return this.encryption.open(stored.sealed) as T;
  }

  /** The plain header of a stored record (the record itself when not sealed). */
  header<T>(stored: unknown): T {
    return stored as T;
  }
}
