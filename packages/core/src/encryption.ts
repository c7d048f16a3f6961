import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { OrchestratorError, ValidationError } from './errors.js';

/** A sealed value as it is stored: JSON-serialisable, with everything needed to open it but the key. */
export interface SealedEnvelope {
  enc: 'aes-256-gcm';
  v: 1;
  /** 12-byte random IV, base64. */
  iv: string;
  /** 16-byte GCM authentication tag, base64. */
  tag: string;
  /** Ciphertext of the value's JSON, base64. */
  data: string;
}

/**
 * Salt for deriving a key from a passphrase. It is fixed (and public) on purpose: every process that
 * is given the same `STATE_ENCRYPTION_KEY` must derive the same key to read what another wrote. A
 * passphrase therefore gets no per-installation salt; give 32 random bytes for full strength.
 */
export const PASSPHRASE_SALT = 'iac-orchestrator/state-encryption/v1';

/** scrypt cost parameters for passphrases (N=2^15, r=8, p=1: ~32 MiB, tens of ms once per process). */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

/** The message of every failure to open: it never says more (no key, no plaintext, no ciphertext). */
const OPEN_FAILED = 'Cannot decrypt stored data: wrong STATE_ENCRYPTION_KEY or the data was tampered with';

/**
 * Encryption at rest of raw state, bundles and plans: AES-256-GCM, a fresh random 12-byte IV per value
 * and an authentication tag, so a changed byte (or a wrong key) is detected on `open`.
 *
 * The key comes from `STATE_ENCRYPTION_KEY`:
 * - 44-character base64 that decodes to exactly 32 bytes → used as the key;
 * - 64 hex characters → used as the key;
 * - anything else is a passphrase → scrypt with the fixed salt `PASSPHRASE_SALT`.
 *
 * @example
 * ```ts
 * const enc = Encryption.fromKey(process.env.STATE_ENCRYPTION_KEY!);
 * const sealed = enc.seal({ version: 4, resources: [] });
 * enc.open(sealed); // → { version: 4, resources: [] }
 * ```
 */
export class Encryption {
  private constructor(private readonly key: Buffer) {}

  /** Builds an `Encryption` from a `STATE_ENCRYPTION_KEY` value (see the class docs for the forms). */
  static fromKey(key: string): Encryption {
    if (typeof key !== 'string' || key.length === 0) {
      throw new ValidationError('STATE_ENCRYPTION_KEY must be a non-empty string', 'STATE_ENCRYPTION_KEY');
    }
    return new Encryption(deriveKey(key));
  }

  /** Whether `value` has the shape of a {@link SealedEnvelope}. */
  static isSealed(value: unknown): value is SealedEnvelope {
    if (!value || typeof value !== 'object') return false;
    const e = value as Record<string, unknown>;
    return e.enc === 'aes-256-gcm' && e.v === 1 && typeof e.iv === 'string' && typeof e.tag === 'string' && typeof e.data === 'string';
  }

  /** Same as {@link Encryption.isSealed}, for callers holding an instance. */
  isSealed(value: unknown): value is SealedEnvelope {
    return Encryption.isSealed(value);
  }

  /** Encrypts the JSON form of `value` (`undefined` is sealed as null). */
  seal(value: unknown): SealedEnvelope {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const plain = Buffer.from(JSON.stringify(value ?? null), 'utf8');
    const data = Buffer.concat([cipher.update(plain), cipher.final()]);
    return { enc: 'aes-256-gcm', v: 1, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  /** Decrypts an envelope made by `seal` with the same key; throws on a wrong key or any tampering. */
  open(envelope: SealedEnvelope): unknown {
    if (!Encryption.isSealed(envelope)) throw new EncryptionError('Not an encrypted value (expected an aes-256-gcm envelope)');
    const iv = Buffer.from(envelope.iv, 'base64');
    const tag = Buffer.from(envelope.tag, 'base64');
    if (iv.length !== 12 || tag.length !== 16) throw new EncryptionError(OPEN_FAILED);
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
      decipher.setAuthTag(tag);
      plain = Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]);
    } catch {
      throw new EncryptionError(OPEN_FAILED);
    }
    return JSON.parse(plain.toString('utf8'));
  }
}

/** Opening a sealed value failed (wrong key, tampered or truncated data). */
export class EncryptionError extends OrchestratorError {
  override readonly code = 'ENCRYPTION_ERROR';
}

function deriveKey(key: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(key)) return Buffer.from(key, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(key)) {
    const bytes = Buffer.from(key, 'base64');
    if (bytes.length === 32) return bytes;
  }
  return scryptSync(key, PASSPHRASE_SALT, 32, SCRYPT);
}
