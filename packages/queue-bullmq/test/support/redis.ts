/**
 * A `redis-server` of the test's own on a free port (no persistence), so queue tests never share keys
 * or timing with anything else, and multi-process tests can point child processes at it.
 */
import { createServer, Socket } from 'node:net';
import { execa, type ResultPromise } from 'execa';
import { findCommand } from '../../../../test-support/prerequisites.js';

export const hasRedisServer = findCommand('redis-server') !== null;

export interface RedisServer {
  url: string;
  process: ResultPromise;
  stop(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const child = execa('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    reject: false,
    stdio: 'ignore',
  });
  for (let i = 0; i < 200 && !(await portOpen(port)); i++) await new Promise((r) => setTimeout(r, 50));
  if (!(await portOpen(port))) throw new Error(`redis-server did not start on port ${port}`);
  return {
    url: `redis://127.0.0.1:${port}`,
    process: child,
    async stop() {
      child.kill('SIGKILL');
      await child;
    },
  };
}

function freePort(): Promise<number> {
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
