import { run } from './builder.js';

/** Runs one debugfs request against an image, read-only; fails when debugfs reports an error. */
export async function debugfs(image: string, request: string): Promise<string> {
  const result = await run('debugfs', ['-R', request, image]);
  // debugfs prints its banner on stderr and exits 0 even when the request failed.
  const problems = result.stderr
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('debugfs '));
  if (result.code !== 0 || problems.length > 0) {
    throw new Error(
      `debugfs -R '${request}' ${image} failed: ${problems.join(' ') || `exit ${result.code}`}`,
    );
  }
  return result.stdout;
}

/** Names in a directory of the image (without `.` and `..`). */
export async function listImageDir(image: string, path: string): Promise<string[]> {
  const out = await debugfs(image, `ls -p ${path}`);
  // ls -p lines: /inode/mode/uid/gid/name/size/
  return out
    .split('\n')
    .map((line) => line.split('/')[5])
    .filter((name): name is string => name !== undefined && name !== '' && name !== '.' && name !== '..');
}

/** The content of a file in the image. */
export function readImageFile(image: string, path: string): Promise<string> {
  return debugfs(image, `cat ${path}`);
}

/** What debugfs `stat` says about an inode: its mode (octal string) and, for a symlink, the target. */
export async function statImagePath(
  image: string,
  path: string,
): Promise<{ mode: string; linkTarget?: string }> {
  const out = await debugfs(image, `stat ${path}`);
  const mode = /Mode:\s+(\d+)/.exec(out)?.[1];
  if (mode === undefined) {
    throw new Error(`debugfs stat ${path}: no mode in ${out}`);
  }
  const link = /Fast link dest: "([^"]*)"/.exec(out)?.[1];
  return link === undefined ? { mode } : { mode, linkTarget: link };
}

/** The volume label of an ext4 image. */
export async function imageLabel(image: string): Promise<string> {
  const result = await run('dumpe2fs', ['-h', image]);
  const label = /^Filesystem volume name:\s+(\S+)/m.exec(result.stdout)?.[1];
  if (label === undefined) {
    throw new Error(`dumpe2fs -h ${image} shows no volume name: ${result.stderr}`);
  }
  return label;
}
