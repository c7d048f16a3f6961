import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.js';

const require = createRequire(import.meta.url);
/** The real Redocly CLI of the dev dependencies (no network: telemetry and update checks off). */
const redoclyBin = join(dirname(require.resolve('@redocly/cli/package.json')), 'bin', 'cli.js');

describe('OpenAPI document under `redocly lint` (recommended rules)', () => {
  let dir = '';
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('has no error and no warning', async () => {
    dir = await mkdtemp(join(tmpdir(), 'openapi-lint-'));
    const file = join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(buildOpenApiDocument(), null, 2));
    const r = await execa('node', [redoclyBin, 'lint', file, '--format=stylish', '--max-problems=100'], {
      cwd: dir,
      reject: false,
      env: { REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(out, out).toMatch(/using built in recommended configuration|recommended/i);
    expect(out, out).not.toMatch(/\b(error|warning)\s+[a-z0-9-]+/);
    expect(r.exitCode, out).toBe(0);
    expect(out).toMatch(/Your API description is valid|validated in/);
  }, 120_000);

  it('gives every operation a unique operationId', () => {
    const doc = buildOpenApiDocument() as { paths: Record<string, Record<string, { operationId?: string }>> };
    const ids = Object.values(doc.paths).flatMap((m) => Object.values(m).map((o) => o.operationId));
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
