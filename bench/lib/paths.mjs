// Where things are: the repository, the CLI, and temporary directories libvirt can read.
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The `ims` command's entry file. */
export const IMS_BIN = join(repoRoot, 'packages', 'core', 'bin', 'ims.js');

/**
 * A fresh temporary directory that libvirt's QEMU processes can traverse (mkdtemp makes it 0700,
 * which would hide pools, kernels and console logs inside it from them).
 */
export function libvirtTempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  chmodSync(dir, 0o755);
  return dir;
}

/** A name unique to this run, for objects created on the shared daemon (contains the runner's pid). */
export function uniqueName(prefix) {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}
