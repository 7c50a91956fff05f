/**
 * Packs a template directory that the host has already extracted and checked into a tar stream
 * that IMS writes itself, for GNU tar on dom0 to extract. The user's own archive never reaches
 * dom0: two tar readers can disagree about the same bytes (a PAX global header, a malformed PAX
 * record, GNU extensions), so the only archive dom0 may read is one whose every header IMS wrote.
 * Only regular files and directories go in, with ustar headers (tar-stream adds a PAX `path` record
 * only for a name too long for one), fixed modes and owner 0.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { ImsError } from '@ims/spi';
import { pack } from 'tar-stream';
import { createHashingTap } from './hashing-tap.js';

/** One file or directory of the template, relative to its root, `/`-separated. */
export interface PackEntry {
  /** Path relative to the template directory. */
  relative: string;
  /** Absolute local path (files only). */
  path?: string;
  /** `file` or `directory`. */
  type: 'file' | 'directory';
  /** Size in bytes (files). */
  size: number;
}

/** What was written. */
export interface PackedTemplate {
  /** SHA-256 of the written archive, lower-case hex. */
  sha256: string;
  /** Its size in bytes. */
  sizeBytes: number;
}

/** Longest name a ustar header holds without a PAX record (name 100 + prefix 155 + `/`). */
const USTAR_NAME_MAX = 256;

/**
 * Writes `entries` as a ustar archive to `outPath`, gzip-compressed at level 1 when `gzip` is set
 * (disk images are mostly zeros: fast level 1 pays for itself on the wire), plain otherwise (data
 * that does not compress would cost a core for nothing). Reports the uncompressed bytes read.
 */
export async function packTemplate(
  entries: readonly PackEntry[],
  outPath: string,
  options: { gzip: boolean; signal: AbortSignal; onProgress?: (done: number) => void },
): Promise<PackedTemplate> {
  for (const entry of entries) refuseUnpackableName(entry.relative);
  const tap = createHashingTap();
  const packer = pack();
  const output = createWriteStream(outPath, { mode: 0o600 });
  const written = options.gzip
    ? pipeline(packer, createGzip({ level: 1 }), tap.stream, output, { signal: options.signal })
    : pipeline(packer, tap.stream, output, { signal: options.signal });
  written.catch(() => undefined);
  let done = 0;
  try {
    for (const entry of entries) {
      if (options.signal.aborted) break;
      if (entry.type === 'directory') {
        await addEntry(packer, { name: entry.relative, type: 'directory', mode: 0o755 });
        continue;
      }
      const sink = packer.entry({ name: entry.relative, type: 'file', mode: 0o644, size: entry.size });
      const source = createReadStream(entry.path as string);
      source.on('data', (chunk) => {
        done += chunk.length;
        options.onProgress?.(done);
      });
      // A file that changed size since it was listed makes tar-stream fail the entry: it is refused.
      await pipeline(source, sink, { signal: options.signal });
    }
    packer.finalize();
    await written;
  } catch (error) {
    packer.destroy();
    await written.catch(() => undefined);
    if (options.signal.aborted) {
      throw new ImsError('IMS_ABORTED', 'Packing the template for dom0 was cancelled.', { cause: error });
    }
    throw new ImsError('IMS_IO_FAILED', `Could not pack the template for dom0: ${(error as Error).message}`, {
      cause: error,
      hint: 'Check that the template directory is not changed while it is imported and that the disk is not full.',
    });
  }
  if (options.signal.aborted)
    throw new ImsError('IMS_ABORTED', 'Packing the template for dom0 was cancelled.');
  return tap.digest();
}

function addEntry(packer: ReturnType<typeof pack>, header: Parameters<ReturnType<typeof pack>['entry']>[0]) {
  return new Promise<void>((resolve, reject) => {
    packer.entry(header, (error) => (error ? reject(error) : resolve()));
  });
}

/** Names IMS packs are plain ustar names: ASCII, short enough, nothing GNU tar would reinterpret. */
function refuseUnpackableName(relative: string): void {
  const parts = relative.split('/');
  const plain =
    relative.length > 0 &&
    relative.length <= USTAR_NAME_MAX &&
    /^[\x20-\x7e]+$/.test(relative) &&
    !relative.startsWith('/') &&
    parts.every((p) => p !== '' && p !== '.' && p !== '..') &&
    parts.every((p) => p.length <= 100);
  if (!plain) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `The template file ${JSON.stringify(relative)} cannot be sent to dom0: template file names must be printable ASCII, at most ${USTAR_NAME_MAX} characters.`,
      { hint: 'Rename the file in the template.', details: { entry: relative } },
    );
  }
}
