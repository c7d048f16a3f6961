import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { TERRAFORM_DEFAULTS } from '../src/defaults.js';
import { withPluginCacheLock } from '../src/plugin-lock.js';
import { StateBackend, type StateBackendEnv } from '../src/state-backend.js';
import type { TfState } from '../src/state.js';

const md5 = (s: string) => createHash('md5').update(s).digest('base64');

describe('the HTTP state backend the runner serves to Terraform (real HTTP)', () => {
  let dir: string;
  let backend: StateBackend;
  let env: StateBackendEnv;
  const received: TfState[] = [];
  let refuse = false;
  const auth = () => `Basic ${Buffer.from(`${env.TF_HTTP_USERNAME}:${env.TF_HTTP_PASSWORD}`).toString('base64')}`;
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(env.TF_HTTP_ADDRESS, { method: 'POST', body, headers: { authorization: auth(), 'content-md5': md5(body), ...headers } });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'state-backend-'));
    received.length = 0;
    refuse = false;
    backend = new StateBackend({ version: 4, serial: 3, lineage: 'L', resources: [] }, join(dir, 'received.tfstate'), async (s) => {
      if (refuse) throw new Error('lock lost');
      received.push(s);
    });
    env = await backend.start();
  });
  afterEach(async () => {
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on loopback only and answers only the one-run secret', async () => {
    expect(new URL(env.TF_HTTP_ADDRESS).hostname).toBe('127.0.0.1');
    expect((await fetch(env.TF_HTTP_ADDRESS)).status).toBe(401);
    const wrong = `Basic ${Buffer.from(`${env.TF_HTTP_USERNAME}:nope`).toString('base64')}`;
    expect((await fetch(env.TF_HTTP_ADDRESS, { headers: { authorization: wrong } })).status).toBe(401);
    const ok = await fetch(env.TF_HTTP_ADDRESS, { headers: { authorization: auth() } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ serial: 3, lineage: 'L' });
  });

  it('hands each new snapshot over once; a retried identical write succeeds without a second store write', async () => {
    const body = JSON.stringify({ version: 4, serial: 4, lineage: 'L', resources: [{ type: 't', name: 'a' }] });
    expect((await post(body)).status).toBe(200);
    expect((await post(body)).status).toBe(200);
    expect(received.map((s) => s.serial)).toEqual([4]);
    expect(backend.state?.serial).toBe(4);
    expect(await readFile(join(dir, 'received.tfstate'), 'utf8')).toBe(body);
    expect((await stat(join(dir, 'received.tfstate'))).mode & 0o777).toBe(0o600);
    // same serial, other content; an older serial; another lineage; a corrupted body: all refused
    expect((await post(JSON.stringify({ version: 4, serial: 4, lineage: 'L', resources: [] }))).status).toBe(409);
    expect((await post(JSON.stringify({ version: 4, serial: 2, lineage: 'L' }))).status).toBe(409);
    expect((await post(JSON.stringify({ version: 4, serial: 9, lineage: 'OTHER' }))).status).toBe(409);
    expect((await post(body.replace('"a"', '"b"'), { 'content-md5': md5(body) })).status).toBe(400);
    expect(received).toHaveLength(1);
  });

  it('refuses a write the store refused (Terraform stops), and a resend tries the store again', async () => {
    refuse = true;
    const body = JSON.stringify({ version: 4, serial: 5, lineage: 'L' });
    expect((await post(body)).status).toBe(423);
    refuse = false;
    expect((await post(body)).status).toBe(200);
    expect(received.map((s) => s.serial)).toEqual([5]);
  });
});

describe('the state backend size cap (real HTTP)', () => {
  /** A raw POST: resolves with the status, whether the server closed the connection, and how much of the body it took. */
  function rawPost(address: string, authorization: string, size: number, chunked: boolean): Promise<{ status: number; closed: boolean }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(address, { method: 'POST', headers: { authorization, ...(chunked ? {} : { 'content-length': String(size) }) } });
      let status = 0;
      req.on('response', (res) => {
        status = res.statusCode ?? 0;
        res.resume();
        res.on('end', () => req.socket?.once('close', () => resolve({ status, closed: true })));
      });
      req.on('error', (e) => (status ? resolve({ status, closed: true }) : reject(e)));
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const pump = () => {
        while (sent < size) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
  }

  it('defaults to 64 MiB; an oversized POST gets 413 and its connection is closed, also while another write holds the queue', { timeout: 60_000 }, async () => {
    expect(TERRAFORM_DEFAULTS.maxStateBytes).toBe(64 * 1024 * 1024);
    const dir = await mkdtemp(join(tmpdir(), 'state-backend-cap-'));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const backend = new StateBackend(null, join(dir, 'received.tfstate'), () => held, 1024);
    const env = await backend.start();
    const authorization = `Basic ${Buffer.from(`${env.TF_HTTP_USERNAME}:${env.TF_HTTP_PASSWORD}`).toString('base64')}`;
    try {
      // A small write waits in the store: the queue is busy.
      const first = fetch(env.TF_HTTP_ADDRESS, { method: 'POST', body: JSON.stringify({ version: 4, serial: 1, lineage: 'L' }), headers: { authorization } });
      await new Promise((r) => setTimeout(r, 200));
      // Announced oversized bodies are refused at once, without waiting for the queue or reading them.
      const announced = await Promise.all([1, 2, 3].map(() => rawPost(env.TF_HTTP_ADDRESS, authorization, 8 * 1024 * 1024, false)));
      expect(announced).toEqual([1, 2, 3].map(() => ({ status: 413, closed: true })));
      release();
      expect((await first).status).toBe(200);
      // A chunked body (no length) is cut off once past the cap.
      expect(await rawPost(env.TF_HTTP_ADDRESS, authorization, 8 * 1024 * 1024, true)).toEqual({ status: 413, closed: true });
      expect(backend.state?.serial).toBe(1);
    } finally {
      release();
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the plugin cache init lock', () => {
  it('lets one init in at a time across holders, and takes over the lock of a dead holder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'plugin-lock-'));
    try {
      const order: string[] = [];
      const run = (name: string) =>
        withPluginCacheLock(dir, undefined, async () => {
          order.push(`${name}:in`);
          await new Promise((r) => setTimeout(r, 150));
          order.push(`${name}:out`);
        });
      await Promise.all([run('a'), run('b'), run('c')]);
      // never two inside at once
      for (let i = 0; i < order.length; i += 2) expect(order[i]!.split(':')[0]).toBe(order[i + 1]!.split(':')[0]);
      // a holder that died (same host, no such pid) does not block forever
      await writeFile(join(dir, '.orchestrator-init.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname() }));
      expect(await withPluginCacheLock(dir, undefined, async () => 'ran')).toBe('ran');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
