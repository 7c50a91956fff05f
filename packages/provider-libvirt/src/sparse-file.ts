/**
 * A local disk image read for a sparse upload: runs of zero bytes become stream holes, so libvirt
 * neither receives nor writes them and the volume it fills stays sparse. A template's system disk
 * is mostly free space: the busybox one is 64 MiB with 13 MiB of data, and a 2 GiB image is no
 * more data than that.
 */
import { open } from 'node:fs/promises';
import { ImsError } from '@ims/spi';
import type { StreamHole } from './rpc/index.js';

/** The unit zeros are detected in: free space in a filesystem image comes in runs of many. */
export const HOLE_GRANULE_BYTES = 64 * 1024;
const READ_BYTES = 1024 * 1024;
const ZEROS = Buffer.alloc(HOLE_GRANULE_BYTES);

/**
 * The first `size` bytes of the file at `path` as data chunks and holes, in order; consecutive
 * zero granules are one hole, consecutive data granules one chunk.
 */
export async function* sparseChunks(
  path: string,
  size: number,
  readBytes: number = READ_BYTES,
): AsyncGenerator<Uint8Array | StreamHole> {
  const file = await open(path, 'r');
  try {
    let position = 0;
    let hole = 0;
    while (position < size) {
      // A fresh buffer per read: the chunks handed out are views of it.
      const buffer = Buffer.allocUnsafe(Math.min(readBytes, size - position));
      const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) {
        throw new ImsError(
          'IMS_IO_FAILED',
          `${path} ended after ${position} of ${size} bytes while uploading it.`,
          {
            hint: 'The file changed during the import: import the template again.',
            details: { path, size, read: position },
          },
        );
      }
      position += bytesRead;
      let dataStart = -1;
      for (let at = 0; at < bytesRead; at += HOLE_GRANULE_BYTES) {
        const end = Math.min(at + HOLE_GRANULE_BYTES, bytesRead);
        if (buffer.subarray(at, end).equals(ZEROS.subarray(0, end - at))) {
          if (dataStart >= 0) yield buffer.subarray(dataStart, at);
          dataStart = -1;
          hole += end - at;
        } else {
          if (hole > 0) yield { hole };
          hole = 0;
          if (dataStart < 0) dataStart = at;
        }
      }
      if (dataStart >= 0) yield buffer.subarray(dataStart, bytesRead);
    }
    if (hole > 0) yield { hole };
  } finally {
    await file.close();
  }
}
