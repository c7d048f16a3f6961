/**
 * Redis memory over a simulated week with retention on: each "day" (compressed to `dayMs`) creates and
 * finishes a batch of deployments with logs, plans and audit entries; retention is two "days". Memory
 * should level off once the first deployments fall out of retention, instead of growing every day.
 */
import { createClient } from '@redis/client';
import { RedisStateStore } from '@iac-orchestrator/state-store-redis';
import { auditEntry, logEntry, makeDeployment } from '../packages/core/src/testing/store-conformance-fixtures.js';

export async function redisRetentionWeek(url: string, report: (name: string, fields: Record<string, number | string | boolean>) => void, perDay = 2000, dayMs = 1500): Promise<void> {
  const client = createClient({ url });
  await client.connect();
  const store = new RedisStateStore({ url, prefix: 'week:', retentionDays: (2 * dayMs) / 86_400_000, commandTimeoutMs: 60_000 });
  await store.init();
  const usedMiB = async () => +(Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]) / 2 ** 20).toFixed(1);
  const perDayMiB: number[] = [];
  try {
    for (let day = 0; day < 7; day++) {
      const started = Date.now();
      for (let i = 0; i < perDay; i += 100) {
        await Promise.all(
          Array.from({ length: Math.min(100, perDay - i) }, async (_, j) => {
            const id = `w-${day}-${i + j}`;
            const d = makeDeployment({ id, blueprintId: `bp-${j % 20}`, status: 'applying', createdAt: new Date().toISOString() });
            await store.putDeployment(d);
            await store.appendLogs(id, Array.from({ length: 20 }, (_, k) => logEntry(`line ${k} of ${id}`)));
            await store.appendAudit(auditEntry('deployment.completed', d.stackKey, id));
            await store.replaceDeployment({ ...d, status: 'completed', revision: 1 }, 0);
          }),
        );
      }
      await new Promise((r) => setTimeout(r, Math.max(0, dayMs - (Date.now() - started))));
      while ((await store.pruneExpired(5000)) > 0);
      perDayMiB.push(await usedMiB());
    }
  } finally {
    await store.close();
    client.destroy();
  }
  // Flat: the last day holds no more than the third (when the first days had already gone) plus 25 %.
  report('stores/redis/retention-week', { perDay, retentionDays: 2, usedMiBByDay: perDayMiB.join(' '), flat: perDayMiB[6] <= perDayMiB[2] * 1.25 });
}
