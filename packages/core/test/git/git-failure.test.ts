import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/redaction.js';
import { cappedNotes, fetchFailed, maskedTail } from '../../src/git/git-failure.js';

describe('what a failed Git fetch shows (pure)', () => {
  const TOKEN = 'ghp_' + 'S'.repeat(36);

  it('masks credentials before cutting git\'s message: a token straddling the cut never shows, even in part', () => {
    const redactor = new Redactor();
    redactor.add(TOKEN);
    // The token starts 10 characters before the 500th: cutting first would leave "ghp_SSSSSS" unmasked.
    const stderr = `fatal: ${'x'.repeat(483)} ${TOKEN} tail`;
    const shown = maskedTail(redactor, stderr);
    expect(shown.length).toBeLessThanOrEqual(500);
    expect(shown).not.toMatch(/ghp_S/);
    const logged: unknown[] = [];
    const err = fetchFailed({ exitCode: 128, stdout: Buffer.alloc(0), stderr, overflow: false, aborted: false }, 'could not fetch x', { redactor, log: (...a) => void logged.push(a) });
    expect(err.message).not.toContain('ghp_');
    expect(JSON.stringify(logged)).not.toMatch(/ghp_S/);
  });

  it('caps the skipped-symlink notes of an audit record: 20 names of at most 200 characters, then a count', () => {
    const notes = cappedNotes(Array.from({ length: 5000 }, (_, i) => `${'d'.repeat(300)}/${i}`), (p) => `skipped symlink ${p}`, 'symlinks');
    expect(notes).toHaveLength(21);
    expect(notes[0]).toBe(`skipped symlink ${'d'.repeat(200)}…`);
    expect(notes[20]).toBe('skipped 4980 more symlinks');
    expect(cappedNotes(['a'], (p) => `skipped symlink ${p}`, 'symlinks')).toEqual(['skipped symlink a']);
  });
});
