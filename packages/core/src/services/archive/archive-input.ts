import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { addAbortSignal, Readable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import { isImsError, type TransferProgress } from '@ims/spi';
import { corruptArchive, errnoCode } from './archive-errors.js';

const CHUNK_BYTES = 64 * 1024;
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** The archive's bytes, ready to be piped into a tar parser. */
export interface ArchiveInput {
  /** The caller's stream or the file stream: destroying it stops all reading. */
  raw: Readable;
  /** The archive's bytes as read, counted for progress. */
  counted: Readable;
  /** The decompressor, when the content starts with the gzip magic. */
  gunzip: Gunzip | undefined;
}

/**
 * Opens a path or takes a stream, looks at the first bytes to tell gzip from plain tar, and
 * reports every consumed chunk to `onProgress` (`total` is the file size, or 0 for a stream).
 */
export async function openArchiveInput(
  input: string | Readable,
  onProgress: TransferProgress | undefined,
  signal: AbortSignal | undefined,
): Promise<ArchiveInput> {
  const total = typeof input === 'string' ? await archiveFileSize(input) : 0;
  const raw = typeof input === 'string' ? createReadStream(input, { highWaterMark: CHUNK_BYTES }) : input;
  if (signal !== undefined) addAbortSignal(signal, raw);
  const chunks = raw[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  let head: Buffer;
  try {
    head = await readHead(chunks, GZIP_MAGIC.length);
  } catch (error) {
    raw.destroy();
    throw error;
  }
  if (head.length === 0) {
    raw.destroy();
    throw corruptArchive('the archive is empty (0 bytes)');
  }
  let consumed = 0;
  async function* countedChunks(): AsyncGenerator<Buffer> {
    try {
      let next: Buffer | undefined = head;
      while (next !== undefined) {
        consumed += next.length;
        onProgress?.(consumed, total);
        yield next;
        next = await nextBuffer(chunks);
      }
    } finally {
      await chunks.return?.();
    }
  }
  const gzip = GZIP_MAGIC.every((byte, index) => head[index] === byte);
  return {
    raw,
    counted: Readable.from(countedChunks(), { objectMode: false, highWaterMark: CHUNK_BYTES }),
    gunzip: gzip ? createGunzip({ chunkSize: CHUNK_BYTES }) : undefined,
  };
}

async function archiveFileSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw corruptArchive(`${JSON.stringify(path)} is not a regular file`);
    return info.size;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT')
      throw corruptArchive(`the archive ${JSON.stringify(path)} does not exist`);
    if (isImsError(error)) throw error;
    throw corruptArchive(`the archive ${JSON.stringify(path)} cannot be read (${String(error)})`, error);
  }
}

/** Reads chunks until at least `bytes` bytes are in hand (fewer only at the end of the stream). */
async function readHead(chunks: AsyncIterator<unknown>, bytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  while (length < bytes) {
    const chunk = await nextBuffer(chunks);
    if (chunk === undefined) break;
    parts.push(chunk);
    length += chunk.length;
  }
  return Buffer.concat(parts);
}

async function nextBuffer(chunks: AsyncIterator<unknown>): Promise<Buffer | undefined> {
  const result = await chunks.next();
  if (result.done === true) return undefined;
  if (!Buffer.isBuffer(result.value)) {
    // A stream with an encoding set has already decoded the bytes as text and damaged them.
    throw corruptArchive('the archive stream delivers text, not bytes (was an encoding set on it?)');
  }
  return result.value;
}
