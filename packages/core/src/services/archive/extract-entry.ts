import type { ExtractedEntry } from '@ims/spi';
import type { Header } from 'tar-stream';
import { unsafeEntry } from './archive-errors.js';
import { checkEntryName, checkSymlinkTarget, toRelativePath } from './entry-names.js';
import type { TargetWriter } from './target-writer.js';

/** One entry from the tar parser: its header and a stream of its data. */
export interface TarEntry extends AsyncIterable<unknown> {
  /** The decoded header (pax and GNU long names already applied). */
  header: Header;
}

const DEFAULT_FILE_MODE = 0o644;
const DEFAULT_DIRECTORY_MODE = 0o755;

/**
 * Checks one archive entry and creates it through `writer`. Returns what to report, or
 * `undefined` for entries that add nothing new (the target directory itself, a repeated directory).
 */
export async function extractEntry(
  entry: TarEntry,
  writer: TargetWriter,
): Promise<ExtractedEntry | undefined> {
  const { header } = entry;
  const name = header.name;
  const checked = checkEntryName(name);
  if (!checked.ok) throw unsafeEntry(name, checked.reason);
  const components = checked.components;
  const path = toRelativePath(components);
  if (header.type === 'directory') {
    if (components.length === 0) return undefined;
    const first = await writer.makeDirectory(name, components, header.mode ?? DEFAULT_DIRECTORY_MODE);
    return first ? { path, type: 'directory', size: 0 } : undefined;
  }
  if (components.length === 0) throw unsafeEntry(name, 'it names the target directory itself');
  switch (header.type) {
    case 'file': {
      refuseSparse(name, header);
      const size = header.size ?? 0;
      await writer.writeFile(name, components, header.mode ?? DEFAULT_FILE_MODE, size, entry);
      return { path, type: 'file', size };
    }
    case 'symlink': {
      const linkname = header.linkname ?? '';
      const refusal = checkSymlinkTarget(components.slice(0, -1), linkname);
      if (refusal !== undefined) throw unsafeEntry(name, refusal, { linkname });
      await discard(entry);
      await writer.makeSymlink(name, components, linkname);
      return { path, type: 'symlink', size: 0 };
    }
    case 'link': {
      const linkname = header.linkname ?? '';
      const target = checkEntryName(linkname);
      if (!target.ok)
        throw unsafeEntry(name, `its hard link target is refused: ${target.reason}`, { linkname });
      if (target.components.length === 0) {
        throw unsafeEntry(name, 'its hard link target is the target directory itself', { linkname });
      }
      await discard(entry);
      const size = await writer.makeHardLink(name, components, target.components);
      return { path, type: 'file', size };
    }
    default:
      throw unsafeEntry(
        name,
        `it is a ${describeType(header.type)}; only regular files, directories, symbolic links and hard links are extracted`,
        { type: header.type ?? 'unknown' },
      );
  }
}

/** GNU sparse files in pax form store a sparse map in place of the data; extracting them as-is would be wrong. */
function refuseSparse(name: string, header: Header): void {
  const pax = header.pax;
  if (
    typeof pax === 'object' &&
    pax !== null &&
    Object.keys(pax).some((key) => key.startsWith('GNU.sparse.'))
  ) {
    throw unsafeEntry(
      name,
      'it is a GNU sparse file, which is not supported (create the archive without --sparse)',
      {
        type: 'gnu-sparse',
      },
    );
  }
}

// tar-stream reports `null` for type flags it does not know, though its typings omit it.
function describeType(type: Header['type'] | null | undefined): string {
  switch (type) {
    case 'character-device':
      return 'character device';
    case 'block-device':
      return 'block device';
    case 'fifo':
      return 'FIFO (named pipe)';
    case 'contiguous-file':
      return 'contiguous file';
    case null:
    case undefined:
      return 'entry of an unknown type (for example a GNU sparse, multi-volume or dump-directory entry)';
    default:
      return `${type} entry`;
  }
}

/** Reads and drops an entry's data so the parser can move on (links normally have none). */
async function discard(entry: TarEntry): Promise<void> {
  for await (const _chunk of entry) {
    // Nothing to keep.
  }
}
