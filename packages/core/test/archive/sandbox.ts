import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temp directory with an empty `target/`, a `sentinel/` sibling to watch, and `archives/` for inputs. */
export interface Sandbox {
  /** The temp root. */
  root: string;
  /** The empty extraction target. */
  target: string;
  /** A sibling of the target that no extraction may touch. */
  sentinel: string;
  /** Writes an archive under `archives/` and returns its path. */
  writeArchive(name: string, bytes: Buffer): Promise<string>;
  /** Everything outside the target, as a comparable snapshot (`archives/` excluded). */
  outsideSnapshot(): Promise<string[]>;
  /** Removes the sandbox. */
  cleanup(): Promise<void>;
}

/** Creates a sandbox under the OS temp dir. */
export async function createSandbox(): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'ims-archive-'));
  const target = join(root, 'target');
  const sentinel = join(root, 'sentinel');
  const archives = join(root, 'archives');
  await mkdir(target);
  await mkdir(archives);
  await mkdir(join(sentinel, 'inner'), { recursive: true });
  await writeFile(join(sentinel, 'keep.txt'), 'sentinel data\n', { mode: 0o644 });
  await writeFile(join(sentinel, 'inner', 'deep.txt'), 'deep sentinel\n', { mode: 0o600 });
  return {
    root,
    target,
    sentinel,
    async writeArchive(name, bytes) {
      const path = join(archives, name);
      await writeFile(path, bytes);
      return path;
    },
    async outsideSnapshot() {
      const top = (await readdir(root)).sort();
      return [`root: ${top.join(',')}`, ...(await describeTree(sentinel, 'sentinel'))];
    },
    async cleanup() {
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A sorted line per path under `dir`: type, permission bits, and content or link target. */
export async function describeTree(dir: string, prefix = '.'): Promise<string[]> {
  const lines: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const label = `${prefix}/${name}`;
    const info = await lstat(path);
    const mode = (info.mode & 0o7777).toString(8);
    if (info.isSymbolicLink()) lines.push(`${label} symlink -> ${await readlink(path)}`);
    else if (info.isDirectory()) {
      lines.push(`${label} dir ${mode}`);
      lines.push(...(await describeTree(path, label)));
    } else if (info.isFile())
      lines.push(`${label} file ${mode} ${(await readFile(path)).toString('base64')}`);
    else lines.push(`${label} other`);
  }
  return lines;
}
