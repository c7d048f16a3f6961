/**
 * The floors of bench/stores.ts: the same reads on a bare SQLite table and a bare Redis sorted set, with
 * records of the same size and no store logic (no sealing, no validation, no filters beyond the index).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createClient } from '@redis/client';

export interface FloorRow {
  id: string;
  createdAt: string;
  blueprintId: string;
  body: string;
}

/** A bare table with the one index a blueprint listing needs; returns get and list functions. */
export function sqliteFloor(dir: string, rows: FloorRow[]) {
  const db = new Database(join(dir, 'floor.sqlite'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, blueprint_id TEXT NOT NULL, body TEXT NOT NULL); CREATE INDEX t_bp ON t (blueprint_id, created_at, id);');
  const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (const r of rows) insert.run(r.id, r.createdAt, r.blueprintId, r.body);
  })();
  const get = db.prepare<[string], { body: string }>('SELECT body FROM t WHERE id = ?');
  const list = db.prepare<[string], { body: string }>('SELECT body FROM t WHERE blueprint_id = ? ORDER BY created_at DESC, id DESC LIMIT 21');
  return {
    get: (id: string) => JSON.parse(get.get(id)!.body) as unknown,
    list: (blueprintId: string) => list.all(blueprintId).map((r) => JSON.parse(r.body) as unknown),
    close: () => {
      db.close();
    },
  };
}

/** A bare sorted set per blueprint plus one string per record, on its own connection; returns get and list functions. */
export async function redisFloor(url: string, rows: FloorRow[]) {
  const redis = createClient({ url });
  await redis.connect();
  for (let i = 0; i < rows.length; i += 1000) {
    const tx = redis.multi();
    for (const r of rows.slice(i, i + 1000)) {
      tx.set(`floor:{f}:rec:${r.id}`, r.body);
      tx.zAdd(`floor:{f}:bp:${r.blueprintId}`, { score: 0, value: `${r.createdAt}\u0000${r.id}` });
    }
    await tx.exec();
  }
  return {
    get: async (id: string) => JSON.parse((await redis.get(`floor:{f}:rec:${id}`))!) as unknown,
    list: async (blueprintId: string) => {
      const members = await redis.zRange(`floor:{f}:bp:${blueprintId}`, '+', '-', { BY: 'LEX', REV: true, LIMIT: { offset: 0, count: 21 } });
      const bodies = await redis.mGet(members.map((m) => `floor:{f}:rec:${m.slice(m.indexOf('\u0000') + 1)}`));
      return bodies.map((b) => JSON.parse(b!) as unknown);
    },
    close: () => redis.destroy(),
  };
}
