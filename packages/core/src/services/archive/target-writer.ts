import { constants } from 'node:fs';
import { chmod, type FileHandle, link, lstat, mkdir, open, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isImsError } from '@ims/spi';
import { errnoCode, targetWriteFailed, unsafeEntry } from './archive-errors.js';
import { toRelativePath } from './entry-names.js';

type CreatedKind = 'file' | 'directory' | 'symlink';

interface Created {
  kind: CreatedKind;
  size: number;
  /** Whether an archive entry named it (parents made on the way are implicit). */
  explicit: boolean;
}

const IMPLICIT_DIRECTORY_MODE = 0o755;
const OWNER_RWX = 0o700;
const PERMISSION_BITS = 0o777;
const NEW_FILE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Creates entries inside one target directory and remembers everything it created, so a failed
 * extraction can remove exactly that. Never writes through a symbolic link and never overwrites.
 */
export class TargetWriter {
  private readonly created = new Map<string, Created>();
  private readonly createdTopLevel = new Set<string>();

  /** @param root the real (symlink-free) path of the empty target directory */
  constructor(private readonly root: string) {}

  /** Creates a directory (or re-applies the mode of one made earlier); true when first named by an entry. */
  async makeDirectory(entry: string, components: readonly string[], mode: number): Promise<boolean> {
    const path = toRelativePath(components);
    const known = this.created.get(path);
    const directoryMode = (mode & PERMISSION_BITS) | OWNER_RWX;
    if (known?.kind === 'directory') {
      await this.fsCall(entry, () => chmod(this.absolute(components), directoryMode));
      const first = !known.explicit;
      known.explicit = true;
      return first;
    }
    await this.prepare(entry, components);
    await this.fsCall(entry, () => mkdir(this.absolute(components), OWNER_RWX));
    this.record(components, { kind: 'directory', size: 0, explicit: true });
    await this.fsCall(entry, () => chmod(this.absolute(components), directoryMode));
    return true;
  }

  /** Writes a new regular file from `data`, chunk by chunk, then sets its permission bits. */
  async writeFile(
    entry: string,
    components: readonly string[],
    mode: number,
    size: number,
    data: AsyncIterable<unknown>,
  ): Promise<void> {
    await this.prepare(entry, components);
    // 0o600 while writing, so a read-only mode from the archive cannot stop the write.
    const handle = await this.fsCall(entry, () => open(this.absolute(components), NEW_FILE_FLAGS, 0o600));
    this.record(components, { kind: 'file', size, explicit: true });
    try {
      for await (const chunk of data) {
        await this.fsCall(entry, () => writeAll(handle, chunk as Buffer));
      }
      await this.fsCall(entry, () => handle.chmod(mode & PERMISSION_BITS));
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  /** Creates a symbolic link; the caller has checked that its target stays inside. */
  async makeSymlink(entry: string, components: readonly string[], linkname: string): Promise<void> {
    await this.prepare(entry, components);
    await this.fsCall(entry, () => symlink(linkname, this.absolute(components)));
    this.record(components, { kind: 'symlink', size: 0, explicit: true });
  }

  /** Creates a hard link to a regular file made earlier by this extraction; returns its size. */
  async makeHardLink(
    entry: string,
    components: readonly string[],
    targetComponents: readonly string[],
  ): Promise<number> {
    const targetPath = toRelativePath(targetComponents);
    const target = this.created.get(targetPath);
    if (target?.kind !== 'file') {
      const what = target === undefined ? 'was not extracted before it' : `is a ${target.kind}`;
      throw unsafeEntry(
        entry,
        `the hard link target "${targetPath}" ${what}; only earlier regular files may be linked`,
      );
    }
    await this.prepare(entry, components);
    await this.fsCall(entry, () => link(this.absolute(targetComponents), this.absolute(components)));
    this.record(components, { kind: 'file', size: target.size, explicit: true });
    return target.size;
  }

  /** Removes everything this writer created; the target directory itself stays. */
  async removeCreated(): Promise<void> {
    for (const name of [...this.createdTopLevel].reverse()) {
      await rm(join(this.root, name), { recursive: true, force: true });
    }
    this.createdTopLevel.clear();
    this.created.clear();
  }

  /** Refuses a second entry for the same path and makes sure every parent is a real directory. */
  private async prepare(entry: string, components: readonly string[]): Promise<void> {
    const earlier = this.created.get(toRelativePath(components));
    if (earlier !== undefined) {
      throw unsafeEntry(
        entry,
        `it appears twice in the archive (an earlier entry created it as a ${earlier.kind}); entries are never overwritten`,
      );
    }
    for (let depth = 1; depth < components.length; depth += 1) {
      await this.ensureDirectory(entry, components.slice(0, depth));
    }
  }

  private async ensureDirectory(entry: string, components: readonly string[]): Promise<void> {
    const path = toRelativePath(components);
    const known = this.created.get(path);
    if (known !== undefined) {
      if (known.kind === 'directory') return;
      throw unsafeEntry(entry, parentRefusal(path, known.kind === 'symlink'));
    }
    const absolute = this.absolute(components);
    const existing = await lstat(absolute).catch((error: unknown) => {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw targetWriteFailed(entry, error);
    });
    if (existing === undefined) {
      await this.fsCall(entry, () => mkdir(absolute, IMPLICIT_DIRECTORY_MODE));
      this.record(components, { kind: 'directory', size: 0, explicit: false });
    } else if (!existing.isDirectory()) {
      throw unsafeEntry(entry, parentRefusal(path, existing.isSymbolicLink()));
    }
  }

  private record(components: readonly string[], created: Created): void {
    this.created.set(toRelativePath(components), created);
    this.createdTopLevel.add(components[0]!);
  }

  private absolute(components: readonly string[]): string {
    return join(this.root, ...components);
  }

  /** Runs one file-system call, turning its failure into a refusal or a write failure naming the entry. */
  private async fsCall<T>(entry: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isImsError(error)) throw error;
      const code = errnoCode(error);
      if (code === 'EEXIST') {
        throw unsafeEntry(entry, 'something already exists at its path; entries are never overwritten');
      }
      if (code === 'ELOOP')
        throw unsafeEntry(entry, 'its path ends in a symbolic link, which is never written through');
      throw targetWriteFailed(entry, error);
    }
  }
}

function parentRefusal(path: string, isSymlink: boolean): string {
  return isSymlink
    ? `its parent "${path}" is a symbolic link, and nothing is ever written through a link`
    : `its parent "${path}" is not a directory`;
}

async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}
