/**
 * A pass-through stream that hashes and counts the bytes going through it, so that an archive
 * written or read once yields its SHA-256 and size without a second pass over the file.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

/** A tap to put into a pipeline; `digest()` is read once the pipeline has finished. */
export interface HashingTap {
  /** The stream: passes every chunk on unchanged. */
  stream: Transform;
  /** SHA-256 (lower-case hex) and size in bytes of all that went through. */
  digest(): { sha256: string; sizeBytes: number };
}

/** A new tap, counting from zero. */
export function createHashingTap(): HashingTap {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      callback(null, chunk);
    },
  });
  return { stream, digest: () => ({ sha256: hash.digest('hex'), sizeBytes }) };
}
