import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The ISO authoring tools the tests compare against, with the Debian package of each. */
export const ISO_TOOLS = {
  genisoimage: { argv: ['genisoimage'], apt: 'genisoimage' },
  xorriso: { argv: ['xorriso', '-as', 'mkisofs'], apt: 'xorriso' },
} as const;

/** Fails, saying how to install it, when a tool is not on PATH. */
export function requireTool(tool: keyof typeof ISO_TOOLS): void {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'pipe' });
  } catch {
    throw new Error(`${tool} is missing: install it with apt-get install ${ISO_TOOLS[tool].apt}`);
  }
}

/** Builds an ISO image of `files` (plus an empty sub-directory) with an external tool. */
export async function makeIso(
  tool: keyof typeof ISO_TOOLS,
  files: Record<string, string>,
  joliet: boolean,
): Promise<Uint8Array> {
  requireTool(tool);
  const dir = await mkdtemp(join(tmpdir(), 'ims-guest-sim-'));
  try {
    const root = join(dir, 'root');
    await mkdir(join(root, 'subdir'), { recursive: true });
    for (const [name, content] of Object.entries(files)) await writeFile(join(root, name), content);
    const [command, ...prefix] = ISO_TOOLS[tool].argv;
    const iso = join(dir, 'image.iso');
    const names = joliet ? ['-J'] : ['-l']; // -l: full 31-character primary names instead of 8.3
    execFileSync(command, [...prefix, '-quiet', '-V', 'cidata', ...names, '-o', iso, root], {
      stdio: 'pipe',
    });
    return new Uint8Array(await readFile(iso));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
