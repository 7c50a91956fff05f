import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { requireTool, runTool } from './tools.js';

/** Writes `image` to `path` and returns the path. */
export async function writeImage(path: string, image: Uint8Array): Promise<string> {
  await writeFile(path, image);
  return path;
}

/** Every file of the image's root as xorriso extracts it (it prefers Joliet names), by name. */
export async function extractWithXorriso(image: string, outDir: string): Promise<Map<string, Buffer>> {
  const xorriso = await requireTool('xorriso');
  const { stderr } = await runTool(xorriso, ['-osirrox', 'on', '-indev', image, '-extract', '/', outDir]);
  expect(stderr, 'xorriso reported a problem with the image').not.toMatch(/FAILURE|SORRY|WARNING|FATAL/);
  // xorriso gives the extracted root the image's read-only mode; without write access a non-root user
  // could not clean the temp dir up.
  await chmod(outDir, 0o755);
  const files = new Map<string, Buffer>();
  for (const name of (await readdir(outDir)).sort()) files.set(name, await readFile(join(outDir, name)));
  return files;
}

/** One file's bytes as `isoinfo -x` reads them, from the Joliet tree or (with `joliet` false) the primary tree. */
export async function extractWithIsoinfo(image: string, path: string, joliet: boolean): Promise<Buffer> {
  const isoinfo = await requireTool('isoinfo');
  return (await runTool(isoinfo, [...(joliet ? ['-J'] : []), '-x', path, '-i', image])).stdout;
}

/** The `isoinfo -d` description of the image. */
export async function describeWithIsoinfo(image: string): Promise<string> {
  const isoinfo = await requireTool('isoinfo');
  return (await runTool(isoinfo, ['-d', '-i', image])).stdout.toString('utf8');
}

/** One entry of an `isoinfo -l` listing. */
export interface ListedEntry {
  /** The name as recorded. */
  name: string;
  /** Size in bytes. */
  size: number;
  /** First sector of the extent. */
  extent: number;
  /** Whether it is a directory. */
  directory: boolean;
}

/** The root directory as `isoinfo -l` lists it, from the Joliet tree or the primary tree. */
export async function listWithIsoinfo(image: string, joliet: boolean): Promise<ListedEntry[]> {
  const isoinfo = await requireTool('isoinfo');
  const text = (await runTool(isoinfo, [...(joliet ? ['-J'] : []), '-l', '-i', image])).stdout.toString(
    'utf8',
  );
  const entries: ListedEntry[] = [];
  // e.g. "----------   0    0    0              15 Jan 01 2000 [     31 00]  META_DAT.;1 "
  for (const line of text.split('\n')) {
    const match = /^([d-])\S+\s+\d+\s+\d+\s+\d+\s+(\d+) .{11} \[\s*(\d+) \d+\]\s\s(.*) $/.exec(line);
    if (match === null) continue;
    const [, kind, size, extent, name] = match as unknown as [string, string, string, string, string];
    entries.push({ name, size: Number(size), extent: Number(extent), directory: kind === 'd' });
  }
  return entries;
}
