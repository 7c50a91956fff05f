import { gzipSync } from 'node:zlib';
import { type Header, pack } from 'tar-stream';

/** One entry of a fixture archive: a tar-stream header and, for files, the data. */
export interface FixtureEntry {
  /** Header fields; `name` is required, the rest default as tar-stream does. */
  header: Partial<Header> & { name: string; pax?: Record<string, string> };
  /** File data. */
  data?: string | Buffer;
}

/** Builds an uncompressed tar archive with exactly these entries, in order. */
export async function buildTar(entries: readonly FixtureEntry[]): Promise<Buffer> {
  const packer = pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of packer) chunks.push(Buffer.from(chunk as Uint8Array));
  })();
  for (const { header, data } of entries) {
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (data === undefined) packer.entry({ ...header }, done);
      else packer.entry({ ...header }, data, done);
    });
  }
  packer.finalize();
  await collected;
  return Buffer.concat(chunks);
}

/** Builds a gzip-compressed tar archive. */
export async function buildTgz(entries: readonly FixtureEntry[]): Promise<Buffer> {
  return gzipSync(await buildTar(entries));
}

/** A regular file entry. */
export function file(name: string, data: string | Buffer, mode?: number): FixtureEntry {
  return { header: { name, type: 'file', ...(mode === undefined ? {} : { mode }) }, data };
}

/** A directory entry. */
export function dir(name: string, mode?: number): FixtureEntry {
  return { header: { name, type: 'directory', ...(mode === undefined ? {} : { mode }) } };
}

/** A symbolic link entry. */
export function symlink(name: string, linkname: string): FixtureEntry {
  return { header: { name, type: 'symlink', linkname } };
}

/** A hard link entry. */
export function hardlink(name: string, linkname: string): FixtureEntry {
  return { header: { name, type: 'link', linkname } };
}

/** Deterministic pseudo-random bytes (a simple LCG), so failures reproduce. */
export function patternBytes(length: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed >>> 0;
  for (let index = 0; index < length; index += 1) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[index] = state >>> 24;
  }
  return bytes;
}

/** Offsets of the 512-byte headers of a plain tar built by {@link buildTar} (without pax handling). */
export function headerOffsets(tar: Buffer): number[] {
  const offsets: number[] = [];
  let offset = 0;
  while (offset + 512 <= tar.length && tar.subarray(offset, offset + 512).some((byte) => byte !== 0)) {
    offsets.push(offset);
    const size = Number.parseInt(
      tar
        .toString('ascii', offset + 124, offset + 136)
        .replace(/\0.*$/, '')
        .trim() || '0',
      8,
    );
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return offsets;
}

/** Sets the type flag of the header at `offset` and fixes its checksum, to make types tar-stream cannot pack. */
export function withTypeflag(tar: Buffer, offset: number, flag: string): Buffer {
  const copy = Buffer.from(tar);
  copy[offset + 156] = flag.charCodeAt(0);
  writeChecksum(copy, offset);
  return copy;
}

function writeChecksum(tar: Buffer, offset: number): void {
  tar.fill(0x20, offset + 148, offset + 156);
  let sum = 0;
  for (let index = offset; index < offset + 512; index += 1) sum += tar[index]!;
  tar.write(sum.toString(8).padStart(6, '0') + '\0 ', offset + 148, 'ascii');
}
