/**
 * Real Redis for the tests: the one at 127.0.0.1:6379 when it answers (each test file under its own key
 * prefix, deleted afterwards), otherwise a `redis-server` started on a free port. Also starts throwaway
 * servers for the tests that stop or pause Redis.
 */
import { randomUUID } from 'node:crypto';
import { createServer, Socket } from 'node:net';
import { createClient } from '@redis/client';
import { execa, type ResultPromise } from 'execa';
import { findCommand } from '../../../../test-support/prerequisites.js';

export const SHARED_REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

export const hasRedisServerBinary = findCommand('redis-server') !== null;

/** Whether something answers PING at `url`. */
export async function redisAnswers(url: string): Promise<boolean> {
  const client = createClient({ url, socket: { connectTimeout: 1000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    if (client.isOpen) client.destroy();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  url: string;
  process: ResultPromise;
  stop(): Promise<void>;
}

/** A `redis-server` of our own on a free port, without persistence; resolves once it accepts connections. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const child = execa('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    reject: false,
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100 && !(await portOpen(port)); i++) await new Promise((r) => setTimeout(r, 50));
  const stop = async () => {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await child;
  };
  return { url, process: child, stop };
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

/** A Redis for a test file: the shared one under a fresh prefix, or one started here. */
export interface TestRedis {
  url: string;
  /** A new unique key prefix (several stores in one file each get their own, or share one). */
  newPrefix(): string;
  /** Deletes every key under the prefixes handed out, and stops a server started here. */
  cleanup(): Promise<void>;
}

export async function testRedis(): Promise<TestRedis> {
  const shared = await redisAnswers(SHARED_REDIS_URL);
  const server = shared ? null : await startRedisServer();
  const url = server?.url ?? SHARED_REDIS_URL;
  const prefixes: string[] = [];
  return {
    url,
    newPrefix() {
      const prefix = `iac-test-${randomUUID()}:`;
      prefixes.push(prefix);
      return prefix;
    },
    async cleanup() {
      if (server) return server.stop();
      await deleteKeys(url, prefixes);
    },
  };
}

/** Deletes the keys under `prefixes` (SCAN, never KEYS, so a shared Redis is not blocked). */
export async function deleteKeys(url: string, prefixes: string[]): Promise<void> {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    for (const prefix of prefixes) {
      for await (const batch of client.scanIterator({ MATCH: `${escapeGlob(prefix)}*`, COUNT: 500 })) {
        if (batch.length) await client.del(batch);
      }
    }
  } finally {
    client.destroy();
  }
}

/** All string values stored under `prefix`, to check what is at rest. */
export async function storedStrings(url: string, prefix: string): Promise<string> {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    let all = '';
    for await (const batch of client.scanIterator({ MATCH: `${escapeGlob(prefix)}*`, COUNT: 500 })) {
      for (const key of batch) {
        const type = await client.type(key);
        if (type === 'string') all += `${await client.get(key)}\n`;
        else if (type === 'hash') all += `${Object.values(await client.hGetAll(key)).join('\n')}\n`;
        else if (type === 'list') all += `${(await client.lRange(key, 0, -1)).join('\n')}\n`;
      }
    }
    return all;
  } finally {
    client.destroy();
  }
}

/** Whether `key` exists in Redis. */
export async function keyExists(url: string, key: string): Promise<boolean> {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.exists(key)) === 1;
  } finally {
    client.destroy();
  }
}

const escapeGlob = (s: string) => s.replace(/[*?[\]\\]/g, '\\$&');

/** Whether a Redis can be had here: the shared one answers, or `redis-server` is installed. */
export async function redisObtainable(): Promise<boolean> {
  return hasRedisServerBinary || (await redisAnswers(SHARED_REDIS_URL));
}
