import { describe, expect, it } from 'vitest';
import { MASK, Redactor } from '../../src/index.js';
import { SecretMatcher } from '../../src/masking/secret-matcher.js';

/** What the matcher must agree with: a longest-first alternation of the escaped literals. */
function reference(secrets: string[], text: string): string {
  const sorted = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return text;
  return text.replace(new RegExp(sorted.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g'), MASK);
}

/** A deterministic generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('SecretMatcher', () => {
  it('agrees with a longest-first regex alternation on random texts and secret sets (overlaps, nesting, every length class)', () => {
    const rand = rng(12);
    const alphabet = 'ab-cd/é+=x'; // small alphabet: many partial and overlapping matches
    const word = (len: number) => Array.from({ length: len }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
    for (let round = 0; round < 400; round++) {
      const secrets = Array.from({ length: 1 + Math.floor(rand() * 12) }, () => word(3 + Math.floor(rand() * 30)));
      let text = word(Math.floor(rand() * 120));
      for (const s of secrets) if (rand() < 0.6) text = text.slice(0, Math.floor(rand() * text.length)) + s + text.slice(Math.floor(rand() * text.length));
      expect(new SecretMatcher(secrets).replace(text, MASK), `round ${round}: ${JSON.stringify({ secrets, text })}`).toBe(reference(secrets, text));
    }
  });

  it('masks a secret that contains another one whole, at the edges of the text and back to back', () => {
    const m = new SecretMatcher(['token', 'token-with-suffix-0123456789', 'abcd']);
    expect(m.replace('token-with-suffix-0123456789', MASK)).toBe(MASK);
    expect(m.replace('abcdabcd token', MASK)).toBe(`${MASK}${MASK} ${MASK}`);
    expect(m.replace('abc', MASK)).toBe('abc');
    expect(new SecretMatcher([]).replace('anything', MASK)).toBe('anything');
  });

  it('finds 10k secrets of realistic shape wherever they appear in a line', () => {
    const secrets = Array.from({ length: 10_000 }, (_, i) => `tok_${i.toString(36)}_${(i * 2654435761) >>> 0}`);
    const m = new SecretMatcher(secrets);
    for (const i of [0, 1, 4999, 9999]) expect(m.replace(`x=${secrets[i]};y`, MASK)).toBe(`x=${MASK};y`);
    expect(m.replace('an ordinary line of terraform output', MASK)).toBe('an ordinary line of terraform output');
  });
});

describe('Redactor scopes', () => {
  it('a child masks its parent\'s values and its own; what it adds never reaches the parent', () => {
    const service = new Redactor();
    service.addEnv({ AWS_SECRET_ACCESS_KEY: 'service-credential-value' });
    const run = service.child();
    run.add('run-secret-value-1');
    expect(run.redact('a service-credential-value b run-secret-value-1')).toBe(`a ${MASK} b ${MASK}`);
    expect(service.redact('run-secret-value-1')).toBe('run-secret-value-1');
    expect(service.size).toBe(2); // the credential and its base64 form (its JSON form is the same), nothing of the run
    // A credential added later to the parent is seen by a live child.
    service.add('late-credential');
    expect(run.redact('late-credential')).toBe(MASK);
  });
});
