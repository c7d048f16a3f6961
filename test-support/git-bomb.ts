import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { BareRepo } from './git-repo.js';

/**
 * A "decompression bomb" repository, written by hand in a few KB: its pack holds a 64 KiB blob and `count`
 * blobs that are each a delta of it expanding to `blobBytes` (copy instructions only), so git receiving it
 * must inflate count × blobBytes. No git process ever inflates it here (the pack and its index are written
 * directly; the SHA-1s are computed by streaming zeros). Points `main` of `repo` at its commit.
 */
export async function writeBombPack(repo: BareRepo, opts: { count: number; blobBytes: number }): Promise<string> {
  const BASE = 64 * 1024;
  const objects: Array<{ oid: Buffer; offset: number; crc: number }> = [];
  const chunks: Buffer[] = [];
  let offset = 12;
  const add = (oid: Buffer, packed: Buffer) => {
    objects.push({ oid, offset, crc: crc32(packed) });
    chunks.push(packed);
    offset += packed.length;
  };
  const hashOf = (type: string, content: Buffer) => createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest();
  const header = (type: number, size: number) => {
    const bytes = [(type << 4) | (size & 15)];
    size = Math.floor(size / 16);
    while (size > 0) {
      bytes[bytes.length - 1]! |= 0x80;
      bytes.push(size & 0x7f);
      size = Math.floor(size / 128);
    }
    return Buffer.from(bytes);
  };
  const varint = (n: number) => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n = Math.floor(n / 128);
      if (n > 0) b |= 0x80;
      out.push(b);
    } while (n > 0);
    return Buffer.from(out);
  };
  // The base: 64 KiB of zeros.
  const base = Buffer.alloc(BASE);
  const baseOid = hashOf('blob', base);
  const baseOffset = offset;
  add(baseOid, Buffer.concat([header(3, BASE), deflateSync(base)]));
  // A copy-all-of-base instruction: offset 0, size 0x10000 (encoded as no size bytes).
  const copy = Buffer.from([0x80]);
  const tree: Array<[string, Buffer]> = [['main.tf', Buffer.alloc(0)]];
  const mainTf = Buffer.from('resource "terraform_data" "bomb" {}\n');
  const mainOid = hashOf('blob', mainTf);
  add(mainOid, Buffer.concat([header(3, mainTf.length), deflateSync(mainTf)]));
  tree[0]![1] = mainOid;
  for (let i = 0; i < opts.count; i++) {
    // Each result: blobBytes zeros then one distinct byte (so the blobs differ), as copies of the base + one insert.
    const copies = Math.floor(opts.blobBytes / BASE);
    const delta = Buffer.concat([varint(BASE), varint(copies * BASE + 1), Buffer.alloc(copies, copy[0]), Buffer.from([1, 0x41 + i])]);
    const h = createHash('sha1').update(`blob ${copies * BASE + 1}\0`);
    for (let c = 0; c < copies; c++) h.update(base);
    const oid = h.update(Buffer.from([0x41 + i])).digest();
    const at = offset;
    add(oid, Buffer.concat([header(6, delta.length), ofsDistance(at - baseOffset), deflateSync(delta)]));
    tree.push([`z${i}.bin`, oid]);
  }
  tree.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const treeBody = Buffer.concat(tree.map(([name, oid]) => Buffer.concat([Buffer.from(`100644 ${name}\0`), oid])));
  const treeOid = hashOf('tree', treeBody);
  add(treeOid, Buffer.concat([header(2, treeBody.length), deflateSync(treeBody)]));
  const commitBody = Buffer.from(`tree ${treeOid.toString('hex')}\nauthor a <a@a> 0 +0000\ncommitter a <a@a> 0 +0000\n\nbomb\n`);
  const commitOid = hashOf('commit', commitBody);
  add(commitOid, Buffer.concat([header(1, commitBody.length), deflateSync(commitBody)]));

  const head = Buffer.alloc(12);
  head.write('PACK', 0);
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(objects.length, 8);
  const body = Buffer.concat([head, ...chunks]);
  const packSum = createHash('sha1').update(body).digest();
  const pack = Buffer.concat([body, packSum]);
  const idx = indexOf(objects, packSum);
  const dir = join(repo.dir, 'objects', 'pack');
  await mkdir(dir, { recursive: true });
  const name = `pack-${packSum.toString('hex')}`;
  await writeFile(join(dir, `${name}.pack`), pack);
  await writeFile(join(dir, `${name}.idx`), idx);
  repo.git(repo.dir, 'update-ref', 'refs/heads/main', commitOid.toString('hex'));
  return commitOid.toString('hex');
}

/** The negative offset of an OFS_DELTA's base, in git's encoding. */
function ofsDistance(n: number): Buffer {
  const out = [n & 0x7f];
  n = Math.floor(n / 128);
  while (n > 0) {
    n -= 1;
    out.unshift(0x80 | (n & 0x7f));
    n = Math.floor(n / 128);
  }
  return Buffer.from(out);
}

/** A version 2 pack index. */
function indexOf(objects: Array<{ oid: Buffer; offset: number; crc: number }>, packSum: Buffer): Buffer {
  const sorted = [...objects].sort((a, b) => Buffer.compare(a.oid, b.oid));
  const fanout = Buffer.alloc(256 * 4);
  for (let i = 0; i < 256; i++) fanout.writeUInt32BE(sorted.filter((o) => o.oid[0]! <= i).length, i * 4);
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0);
    return b;
  };
  const body = Buffer.concat([Buffer.from([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]), fanout, ...sorted.map((o) => o.oid), ...sorted.map((o) => u32(o.crc)), ...sorted.map((o) => u32(o.offset)), packSum]);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}
