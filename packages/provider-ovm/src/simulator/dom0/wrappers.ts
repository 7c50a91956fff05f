/** SIMULATION ONLY: writes the `xm` / `xentop` wrapper scripts that run the shims with the root baked in. */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `value` as one POSIX-shell single-quoted word. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The compiled shim entry: next to this module in dist, or in dist when running from the sources. */
export function shimEntryPath(): string {
  const here = fileURLToPath(import.meta.url);
  const suffix = /[/\\]src[/\\]simulator[/\\]dom0[/\\]wrappers\.ts$/.exec(here);
  if (suffix !== null) return join(here.slice(0, suffix.index), 'dist', 'simulator', 'dom0', 'shim-cli.js');
  return join(here, '..', 'shim-cli.js');
}

/** Writes `<binDir>/xm` and `<binDir>/xentop` (mode 0755); returns their paths. */
export async function writeShimWrappers(
  binDir: string,
  ovsRoot: string,
): Promise<{ xmPath: string; xentopPath: string }> {
  await mkdir(binDir, { recursive: true });
  const paths = { xmPath: join(binDir, 'xm'), xentopPath: join(binDir, 'xentop') };
  for (const [tool, path] of [
    ['xm', paths.xmPath],
    ['xentop', paths.xentopPath],
  ] as const) {
    const script =
      '#!/bin/sh\n' +
      `# SIMULATION ONLY: a stand-in for dom0's ${tool}, written by the OVM Manager simulator.\n` +
      '# It reports the simulated VMs from the simulator state file; it never touches a hypervisor.\n' +
      `exec ${shellQuote(process.execPath)} ${shellQuote(shimEntryPath())} ${shellQuote(ovsRoot)} ${tool} "$@"\n`;
    await writeFile(path, script, { mode: 0o755 });
    await chmod(path, 0o755);
  }
  return paths;
}
