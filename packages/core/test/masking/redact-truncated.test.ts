import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MASK, MemoryStateStore, Orchestrator, Redactor } from '@iac-orchestrator/core';
import { ScriptedExecutor, scriptedFiles } from '@iac-orchestrator/core/testing';

const SECRET = 'Zq8-pa55w0rd-for-the-db-4417';

describe('text cut to a length inside a secret', () => {
  it('masks a tail that is the start of a registered value, as well as whole values', () => {
    const r = new Redactor([SECRET]);
    expect(r.redactTruncated(`failed: password=${SECRET.slice(0, 17)}`)).toBe(`failed: password=${MASK}`);
    expect(r.redactTruncated(`failed: password=${SECRET} and again ${SECRET.slice(0, 5)}`)).toBe(`failed: password=${MASK} and again ${MASK}`);
    // fewer characters than any secret may have: left as they are
    expect(r.redactTruncated(`failed: password=${SECRET.slice(0, 3)}`)).toBe(`failed: password=${SECRET.slice(0, 3)}`);
    expect(r.redactTruncated('nothing secret here')).toBe('nothing secret here');
    // the JSON-escaped and base64 forms are registered values too
    const b64 = Buffer.from(SECRET).toString('base64');
    expect(r.redactTruncated(`header: ${b64.slice(0, 20)}`)).toBe(`header: ${MASK}`);
    expect(new Redactor().redactTruncated('x')).toBe('x');
  });

  it('a failed deployment whose error an executor cut inside a sensitive variable stores none of it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'redact-cut-'));
    const orch = new Orchestrator({ store: new MemoryStateStore(), executors: [new ScriptedExecutor()], workDir: dir });
    try {
      const d = await orch.deploy({
        blueprintId: 'cut', environment: 'dev', targetCloud: 'aws', format: 'terraform',
        options: { autoApprove: true, variables: { db_password: SECRET }, sensitiveVariables: ['db_password'] },
        // What an executor that cut its summary at a length would report: the secret's first 14 characters.
        files: scriptedFiles({ resources: [], planError: `Provider rejected the config: password=${SECRET.slice(0, 14)}` }),
      });
      let ended = await orch.get(d.id);
      for (let i = 0; i < 200 && !['failed', 'completed'].includes(ended.status); i++) ended = (await new Promise((r) => setTimeout(r, 25)), await orch.get(d.id));
      expect(ended.status).toBe('failed');
      expect(JSON.stringify(ended.error)).toContain(`password=${MASK}`);
      expect(JSON.stringify(ended)).not.toContain(SECRET.slice(0, 8));
    } finally {
      await orch.close(2000);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
