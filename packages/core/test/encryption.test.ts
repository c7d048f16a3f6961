import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Encryption } from '../src/encryption.js';
import { ValidationError } from '../src/errors.js';

const value = { version: 3, resources: [{ id: 'aws_s3_bucket.logs', attributes: { secret: 'hunter2' } }], note: 'ünïcödé' };

describe('Encryption', () => {
  it('round-trips a value with a 32-byte base64 key, a 64-hex key and a passphrase', () => {
    const keys = [randomBytes(32).toString('base64'), randomBytes(32).toString('hex'), 'correct horse battery staple'];
    for (const key of keys) {
      const enc = Encryption.fromKey(key);
      const sealed = enc.seal(value);
      expect(Encryption.isSealed(sealed)).toBe(true);
      expect(enc.open(JSON.parse(JSON.stringify(sealed)))).toEqual(value);
    }
  });

  it('uses a fresh 12-byte IV per value and leaves no plaintext in the envelope', () => {
    const enc = Encryption.fromKey(randomBytes(32).toString('hex'));
    const a = enc.seal(value);
    const b = enc.seal(value);
    expect(a.iv).not.toBe(b.iv);
    expect(a.data).not.toBe(b.data);
    expect(Buffer.from(a.iv, 'base64')).toHaveLength(12);
    expect(a).toMatchObject({ enc: 'aes-256-gcm', v: 1 });
    const text = JSON.stringify(a) + Buffer.from(a.data, 'base64').toString('latin1');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('aws_s3_bucket');
  });

  it('derives the same key from the same passphrase in another instance (the salt is fixed)', () => {
    const sealed = Encryption.fromKey('shared passphrase').seal(value);
    expect(Encryption.fromKey('shared passphrase').open(sealed)).toEqual(value);
  });

  it('refuses a tampered ciphertext, tag or IV with a clear error that leaks nothing', () => {
    const enc = Encryption.fromKey(randomBytes(32).toString('base64'));
    const sealed = enc.seal(value);
    const flip = (b64: string) => {
      const buf = Buffer.from(b64, 'base64');
      buf[0] ^= 0x01;
      return buf.toString('base64');
    };
    for (const field of ['data', 'tag', 'iv'] as const) {
      const tampered = { ...sealed, [field]: flip(sealed[field]) };
      expect(() => enc.open(tampered)).toThrow(/tampered/);
      try {
        enc.open(tampered);
      } catch (e) {
        expect((e as { code: string }).code).toBe('ENCRYPTION_ERROR');
        expect(String((e as Error).message)).not.toContain('hunter2');
      }
    }
  });

  it('refuses to open with a different key', () => {
    const sealed = Encryption.fromKey('key one').seal(value);
    expect(() => Encryption.fromKey('key two').open(sealed)).toThrow(/wrong STATE_ENCRYPTION_KEY/);
  });

  it('tells sealed envelopes from plain values and refuses an empty key', () => {
    expect(Encryption.isSealed({ enc: 'aes-256-gcm', v: 1, iv: 'a', tag: 'b', data: 'c' })).toBe(true);
    expect(Encryption.isSealed({ raw: 1 })).toBe(false);
    expect(Encryption.isSealed(null)).toBe(false);
    expect(() => Encryption.fromKey('')).toThrow(ValidationError);
    expect(() => Encryption.fromKey('k').open({ raw: 1 } as never)).toThrow(/Not an encrypted value/);
  });
});
