import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isImsError } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamHole } from './rpc/index.js';
import { HOLE_GRANULE_BYTES as G, sparseChunks } from './sparse-file.js';

async function collect(path: string, size: number, readBytes?: number) {
  const items: Array<Uint8Array | StreamHole> = [];
  for await (const item of sparseChunks(path, size, readBytes)) items.push(item);
  return items;
}

/** The bytes the items stand for, and their shape: `d<n>` data, `h<n>` hole, in granules. */
function replay(items: Array<Uint8Array | StreamHole>) {
  const parts = items.map((i) => (i instanceof Uint8Array ? Buffer.from(i) : Buffer.alloc(i.hole)));
  const shape = items.map((i) => (i instanceof Uint8Array ? `d${i.length / G}` : `h${i.hole / G}`));
  return { bytes: Buffer.concat(parts), shape };
}

describe('sparseChunks', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ims-sparse-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('turns zero granules into holes and keeps everything else, byte for byte', async () => {
    const content = Buffer.concat([
      randomBytes(2 * G), // data
      Buffer.alloc(5 * G), // hole
      Buffer.alloc(G - 1),
      Buffer.from([7]), // one byte makes its granule data
      Buffer.alloc(3 * G), // trailing hole
    ]);
    const path = join(dir, 'mixed.img');
    await writeFile(path, content);
    for (const readBytes of [G, 3 * G, 1024 * 1024]) {
      const { bytes, shape } = replay(await collect(path, content.length, readBytes));
      expect(bytes.equals(content), `read size ${readBytes}`).toBe(true);
      expect(shape.filter((s) => s.startsWith('h')).reduce((n, s) => n + Number(s.slice(1)), 0)).toBe(8);
    }
    expect(replay(await collect(path, content.length)).shape).toEqual(['d2', 'h5', 'd1', 'h3']);
  });

  it('handles an image that is all zeros, one that has none, and sizes off the granule', async () => {
    const empty = join(dir, 'empty.img');
    await writeFile(empty, '');
    await truncate(empty, 40 * G + 5);
    expect(await collect(empty, 40 * G + 5)).toEqual([{ hole: 40 * G + 5 }]);
    const full = join(dir, 'full.img');
    const data = randomBytes(3 * G + 17);
    await writeFile(full, data);
    const items = await collect(full, data.length);
    expect(items.every((i) => i instanceof Uint8Array)).toBe(true);
    expect(replay(items).bytes.equals(data)).toBe(true);
    expect(await collect(full, 0)).toEqual([]);
  });

  it('fails plainly when the file is shorter than expected', async () => {
    const short = join(dir, 'short.img');
    await writeFile(short, randomBytes(10));
    const error = await collect(short, 100).catch((e: unknown) => e);
    expect(isImsError(error) && error.code === 'IMS_IO_FAILED', String(error)).toBe(true);
  });
});
