import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

// modelled: the simulator's disk images: a 512-byte header it recognises, then the raw bytes
const MAGIC = '<<< VBOXSIM Disk Image >>>\n';
const HEADER_BYTES = 512;

/** What the header of a simulated disk image records. */
export interface DiskHeader {
  /** Medium UUID. */
  uuid: string;
  /** Absolute path of the parent image (differencing images), else null. */
  parent: string | null;
  /** Virtual size in bytes. */
  size: number;
}

function headerBytes(header: DiskHeader): Buffer {
  const text = `${MAGIC}${JSON.stringify(header)}\n`;
  const buf = Buffer.alloc(HEADER_BYTES);
  buf.write(text, 'utf8');
  return buf;
}

/** Reads the header of a simulated disk image; null for any other file. */
export async function readDiskHeader(path: string): Promise<DiskHeader | null> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const buf = Buffer.alloc(HEADER_BYTES);
    await handle.read(buf, 0, HEADER_BYTES, 0);
    const text = buf.toString('utf8').replace(/\0+$/, '');
    if (!text.startsWith(MAGIC)) return null;
    return JSON.parse(text.slice(MAGIC.length)) as DiskHeader;
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
}

/** Creates `target` (failing if it exists) holding a header and the bytes of `source`. */
export async function writeDiskFromFile(
  source: string,
  target: string,
  parent: string | null = null,
): Promise<DiskHeader> {
  const size = (await stat(source)).size;
  const header: DiskHeader = { uuid: randomUUID(), parent, size };
  const out = createWriteStream(target, { flags: 'wx' });
  await once(out, 'open');
  out.write(headerBytes(header));
  await pipeline(createReadStream(source), out);
  return header;
}

/** Creates an empty differencing image on top of `parent`. */
export async function writeDifferencingDisk(
  target: string,
  parent: string,
  size: number,
): Promise<DiskHeader> {
  const header: DiskHeader = { uuid: randomUUID(), parent, size };
  const handle = await open(target, 'wx');
  try {
    await handle.write(headerBytes(header));
  } finally {
    await handle.close();
  }
  return header;
}

/** Copies a simulated image (full clone), giving the copy a new UUID. */
export async function copyDisk(source: string, target: string): Promise<DiskHeader> {
  const original = await readDiskHeader(source);
  const header: DiskHeader = {
    uuid: randomUUID(),
    parent: null,
    size: original?.size ?? (await stat(source)).size,
  };
  const out = createWriteStream(target, { flags: 'wx' });
  await once(out, 'open');
  out.write(headerBytes(header));
  await pipeline(createReadStream(source, { start: original ? HEADER_BYTES : 0 }), out);
  return header;
}
